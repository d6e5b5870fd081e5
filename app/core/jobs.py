"""Background jobs through a transactional outbox.

`enqueue_job()` writes an `outbox_jobs` row in the business transaction, so a job exists
exactly when the change that caused it committed. After the commit the relay publishes the
committed rows to RQ (queues by purpose: default, email, pdf); the clock's sweep publishes
anything left behind (Redis was down, the process died) and recovers jobs whose worker died.
Without REDIS_URL (the embedded default) the same rows run in-process right after commit.

The row is the truth: `run_outbox_job(id)` locks it, skips it when it already finished or is
running elsewhere, and records attempts, progress, the error and the outcome. A job that runs
twice therefore does its work once. RQ job ids derive from the row id and its publish
sequence, so publishing the same row twice enqueues it once.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import importlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import all_tenants, tenant
from app.extensions import db

log = logging.getLogger("baton.jobs")

QUEUES = {"email": 60, "default": 300, "pdf": 600}  # queue -> default timeout in seconds
JOB_STATUSES = ("pending", "published", "running", "retrying", "succeeded", "failed")
OPEN_STATUSES = ("pending", "published", "running", "retrying")
RQ_ENTRY = "workers.jobs.run"  # the RQ function; a string, so the app never imports workers
ALLOWED_PREFIX = "app."


_current_job: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "baton_current_job", default=None
)


class PermanentFailure(Exception):
    """Raised by a job when retrying cannot help (e.g. SMTP 5xx): fail now, tell the owner."""


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


@dataclass(frozen=True)
class JobInfo:
    """What a running job may know about itself."""

    id: int
    attempt: int
    max_attempts: int

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


def current_job() -> JobInfo | None:
    """The outbox job this code runs in, if any."""
    return _current_job.get()


def queue_timeout(queue: str) -> int:
    """The queue's job timeout in seconds (QUEUE_TIMEOUTS overrides the defaults)."""
    return int(current_app.config.get("QUEUE_TIMEOUTS", {}).get(queue) or QUEUES.get(queue, 300))


def backoff(attempt: int) -> dt.timedelta:
    """Time before retry `attempt` (1-based): base x 4^(n-1) (5, 20, 80, 320 s...), at most
    an hour; JOB_RETRY_BASE_SECONDS sets the base."""
    base = float(current_app.config.get("JOB_RETRY_BASE_SECONDS", 5))
    return dt.timedelta(seconds=min(3600.0, base * 4 ** (attempt - 1)))


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


# --- publishing -----------------------------------------------------------------------------


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


def _rq_queue(name: str, conn):
    from rq import Queue

    return Queue(name, connection=conn, default_timeout=queue_timeout(name))


def publish(ids: list[int] | None = None, *, limit: int = 500) -> int:
    """Publish pending, due outbox rows (these `ids`, or any) to RQ; returns how many.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so concurrent relays never take the same
    row; the RQ job id is unique per row and publish sequence, so a row re-published after a
    crash is not queued twice. If Redis is unreachable nothing is marked and rows wait.
    """
    conn = redis_connection()
    if conn is None:
        return run_inline(ids)
    from rq.exceptions import DuplicateJobError

    now = utcnow()
    stmt = (
        sa.select(OutboxJob)
        .where(OutboxJob.status.in_(("pending", "retrying")), OutboxJob.available_at <= now)
        .order_by(OutboxJob.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(OutboxJob.id.in_(ids))
    published = 0
    try:
        rows = list(db.session.scalars(stmt))
        for row in rows:
            # Already queued under this id: publishing twice queues it once.
            with contextlib.suppress(DuplicateJobError):
                _rq_queue(row.queue, conn).enqueue_call(
                    RQ_ENTRY,
                    args=(row.id,),
                    job_id=row.rq_job_id,
                    timeout=row.timeout,
                    result_ttl=600,
                    failure_ttl=86400,
                    description=row.label,
                    unique=True,
                )
            row.status = "published"
            row.published_at = now
            published += 1
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - Redis down: rows stay pending for the sweep
        db.session.rollback()
        log.warning("outbox publish deferred: %s", exc)
        return 0
    return published


def publish_committed(session: Session) -> None:
    """Called right after a commit: publish (or run in-process) what that commit enqueued."""
    ids = session.info.pop("baton_jobs_committed", None)
    if ids:
        publish(ids)


def run_inline(ids: list[int] | None) -> int:
    """Embedded default: run due jobs in this process, through the same code path."""
    stmt = sa.select(OutboxJob.id).where(
        OutboxJob.status.in_(("pending", "retrying")), OutboxJob.available_at <= utcnow()
    )
    if ids is not None:
        stmt = stmt.where(OutboxJob.id.in_(ids))
    due = list(db.session.scalars(stmt.order_by(OutboxJob.id)))
    db.session.commit()
    for job_id in due:
        run_outbox_job(job_id)
    return len(due)


# --- running -------------------------------------------------------------------------------


def resolve(func: str) -> Callable[..., Any]:
    if not func.startswith(ALLOWED_PREFIX):
        raise ValueError(f"refusing to run {func!r}")
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run_outbox_job(outbox_id: int) -> str:
    """Run one outbox job at most once to success; returns the row's status afterwards."""
    now = utcnow()
    row = db.session.get(OutboxJob, outbox_id, with_for_update=True, populate_existing=True)
    if row is None:
        db.session.rollback()
        return "missing"
    if row.status in ("succeeded", "failed"):
        db.session.rollback()
        return row.status
    if (
        row.status == "running"
        and row.heartbeat_at
        and now - row.heartbeat_at < dt.timedelta(seconds=row.timeout)
    ):
        db.session.rollback()  # running in another worker right now
        return "running"
    row.status = "running"
    row.attempts += 1
    row.started_at = row.heartbeat_at = now
    row.last_error = None
    db.session.commit()

    func, kwargs, agency_id = row.func, dict(row.kwargs or {}), row.agency_id
    info = JobInfo(id=row.id, attempt=row.attempts, max_attempts=row.max_attempts)
    token = _current_job.set(info)
    try:
        target = resolve(func)
        with tenant(agency_id):
            if agency_id is not None:
                result = target(agency_id=agency_id, **kwargs)
            else:
                result = target(**kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        db.session.rollback()
        return _record_failure(outbox_id, exc)
    finally:
        _current_job.reset(token)
    # The outcome commits together with whatever the job left uncommitted: one round trip.
    db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id == outbox_id)
        .values(
            status="succeeded",
            finished_at=utcnow(),
            result=result if isinstance(result, dict) else None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return "succeeded"


def _record_failure(outbox_id: int, exc: Exception) -> str:
    row = db.session.get(OutboxJob, outbox_id, with_for_update=True, populate_existing=True)
    row.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
    row.finished_at = utcnow()
    permanent = isinstance(exc, PermanentFailure)
    if permanent or row.attempts >= row.max_attempts:
        row.status = "failed"
        log.error("job %s (%s) failed for good: %s", row.id, row.func, row.last_error)
    else:
        row.status = "retrying"
        row.publish_seq += 1
        row.available_at = utcnow() + backoff(row.attempts)
        log.warning(
            "job %s (%s) will retry at %s: %s", row.id, row.func, row.available_at, row.last_error
        )
    status = row.status
    db.session.commit()
    if status == "retrying":
        _schedule_retry(outbox_id)
    return status


def _schedule_retry(outbox_id: int) -> None:
    """Ask RQ's scheduler to publish the retry when due; the clock's sweep is the safety net."""
    conn = redis_connection()
    if conn is None:
        return
    row = db.session.get(OutboxJob, outbox_id)
    try:
        from rq.exceptions import DuplicateJobError

        delay = max(dt.timedelta(0), row.available_at - utcnow())
        _rq_queue(row.queue, conn).enqueue_in(
            delay, RQ_ENTRY, row.id, job_id=row.rq_job_id, job_timeout=row.timeout, unique=True
        )
        row.status = "published"
        row.published_at = utcnow()
        db.session.commit()
    except DuplicateJobError:
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001 - the sweep will publish it
        db.session.rollback()
        log.warning("retry of job %s left to the sweep: %s", outbox_id, exc)


def report_progress(done: int, total: int, message: str = "") -> None:
    """Record the current job's progress and commit, so the progress bar sees it at once.
    Long jobs call it between batches; it commits the job's session (jobs are idempotent)."""
    info = current_job()
    if info is None:
        return
    db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id == info.id)
        .values(
            progress_done=done,
            progress_total=total,
            progress_message=message[:200],
            heartbeat_at=utcnow(),
        )
    )
    db.session.commit()


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


# --- the sweep (run by the clock) ------------------------------------------------------------


def recover_stale(now: dt.datetime | None = None) -> int:
    """Jobs 'running' with no heartbeat for longer than their queue timeout, or 'published'
    for longer than that without starting (Redis lost them), go back to pending."""
    now = now or utcnow()
    recovered = 0
    with all_tenants():
        for queue in QUEUES:
            limit = now - dt.timedelta(seconds=queue_timeout(queue))
            rows = db.session.scalars(
                sa.select(OutboxJob)
                .where(
                    OutboxJob.queue == queue,
                    sa.or_(
                        sa.and_(OutboxJob.status == "running", OutboxJob.heartbeat_at < limit),
                        sa.and_(OutboxJob.status == "published", OutboxJob.published_at < limit),
                    ),
                )
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                if row.status == "running" and row.attempts >= row.max_attempts:
                    row.status = "failed"
                    row.last_error = (
                        "The worker running this job stopped and it ran out of attempts."
                    )
                    row.finished_at = now
                else:
                    row.status = "pending"
                    row.publish_seq += 1
                    row.available_at = now
                recovered += 1
        db.session.commit()
    return recovered


def sweep() -> dict:
    """The clock's outbox sweep: recover stale jobs, then publish every due row."""
    recovered = recover_stale()
    with all_tenants():
        # Leave fresh rows to the relay of the request that committed them.
        grace = float(current_app.config.get("OUTBOX_SWEEP_GRACE_SECONDS", 5))
        cutoff = utcnow() - dt.timedelta(seconds=grace)
        due = list(
            db.session.scalars(
                sa.select(OutboxJob.id)
                .where(
                    OutboxJob.status.in_(("pending", "retrying")),
                    OutboxJob.available_at <= utcnow(),
                    sa.or_(OutboxJob.created_at <= cutoff, OutboxJob.publish_seq > 0),
                )
                .order_by(OutboxJob.id)
                .limit(1000)
            )
        )
        db.session.commit()
        published = publish(due) if due else 0
    return {"recovered": recovered, "published": published}


def noop(**kwargs: Any) -> dict:
    """A job that does nothing: used by the throughput benchmark and smoke checks."""
    return {"ok": True}
