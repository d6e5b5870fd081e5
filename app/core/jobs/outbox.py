"""The outbox of background jobs: the `outbox_jobs` table, writing a job into it in the
business transaction, "run again" for a failed one, and the RQ queues rows are published to.

`enqueue_job()` adds the row to the caller's session, so a job exists exactly when the
change that caused it committed; the session remembers the rows it added, and after the
commit `app.core.jobs.runner.publish_committed` hands them on. `func` is the dotted path
of a function in `app.` (stored on the row, so a job queued before a deploy runs the
function under that path after it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.extensions import db

QUEUES = {"email": 60, "default": 300, "pdf": 600}  # queue -> default timeout in seconds
JOB_STATUSES = ("pending", "published", "running", "retrying", "succeeded", "failed")
OPEN_STATUSES = ("pending", "published", "running", "retrying")
RQ_ENTRY = "workers.jobs.run"  # the RQ function; a string, so the app never imports workers
ALLOWED_PREFIX = "app."
JOB_RUNS_KEY = "baton:stats:job-runs"  # RQ job runs, counted by workers.jobs.run


class OutboxJob(db.Model):
    __tablename__ = "outbox_jobs"
    __table_args__ = (
        sa.Index("ix_outbox_jobs_status_available", "status", "available_at"),
        sa.Index("ix_outbox_jobs_agency_created", "agency_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"))
    func: Mapped[str] = mapped_column(sa.String(200))
    kwargs: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    queue: Mapped[str] = mapped_column(sa.String(16), default="default")
    label: Mapped[str] = mapped_column(sa.String(200))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    publish_seq: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    progress_message: Mapped[str | None] = mapped_column(sa.String(200))
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def percent(self) -> int:
        if self.status == "succeeded":
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def timeout(self) -> int:
        return queue_timeout(self.queue)

    @property
    def rq_job_id(self) -> str:
        return f"outbox-{self.id}-{self.publish_seq}"


def queue_timeout(queue: str) -> int:
    """The queue's job timeout in seconds (QUEUE_TIMEOUTS overrides the defaults)."""
    return int(current_app.config.get("QUEUE_TIMEOUTS", {}).get(queue) or QUEUES.get(queue, 300))


def enqueue_job(
    session: Session,
    func: str,
    *,
    label: str,
    agency_id: int | None = None,
    queue: str = "default",
    dedupe_key: str | None = None,
    max_attempts: int = 5,
    delay: dt.timedelta | None = None,
    **kwargs: Any,
) -> OutboxJob:
    """Write a job into the outbox in the current transaction. `func` is a dotted path
    to a function in `app.`; it is called as func(**kwargs) (with agency_id when given)."""
    if not func.startswith(ALLOWED_PREFIX):
        raise ValueError(f"job functions live in the app package, not {func!r}")
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    row = OutboxJob(
        agency_id=agency_id,
        func=func,
        kwargs=kwargs,
        queue=queue,
        label=label[:200],
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
        available_at=utcnow() + (delay or dt.timedelta(0)),
    )
    session.add(row)
    session.info.setdefault("baton_jobs", []).append(row)
    return row


@event.listens_for(Session, "after_commit")
def _collect_committed(session: Session) -> None:
    rows = session.info.pop("baton_jobs", None)
    if rows:
        ids = [r.id for r in rows if r.id is not None]
        session.info.setdefault("baton_jobs_committed", []).extend(ids)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("baton_jobs", None)


def retry_job(outbox_id: int) -> OutboxJob:
    """'Run again' for a failed job: back to pending with a fresh attempt budget."""
    row = db.session.get(OutboxJob, outbox_id, with_for_update=True)
    row.status = "pending"
    row.attempts = 0
    row.publish_seq += 1
    row.available_at = utcnow()
    row.finished_at = None
    row.progress_done = 0
    db.session.add(row)
    db.session.info.setdefault("baton_jobs", []).append(row)
    return row


# --- the queues ----------------------------------------------------------------------------


def redis_connection():
    """The Redis connection for RQ, or None on the embedded default."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    ext = current_app.extensions.setdefault("baton_redis", {})
    if url not in ext:
        ext[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return ext[url]


def rq_queue(name: str, conn):
    from rq import Queue

    return Queue(name, connection=conn, default_timeout=queue_timeout(name))


# RQ states in which a job id is spent: a new run needs a new id (the next publish sequence).
SPENT_RQ_STATES = frozenset({"finished", "failed", "stopped", "canceled"})
