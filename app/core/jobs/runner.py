"""Running outbox jobs: publishing committed rows to RQ (or, without REDIS_URL, running them
in this process right after the commit), and running one row at most once to success.

The row is the truth: `run_outbox_job(id, seq)` locks it, skips it when it already finished,
is running elsewhere, is not due yet or was superseded by a later publication (`seq`), and
records attempts, progress, the error and the outcome. A job that runs twice therefore does
its work once. RQ job ids derive from the row id and its publish sequence, so publishing the
same row twice enqueues it once. A failure is retried with backoff (RQ's scheduler hands the
retry over when due; the clock's sweep is the safety net) until the attempts run out.

A running job may ask `current_job()`, `report_progress()` and, for an effect that leaves
the database, `stage_current_job_success()`; it raises PermanentFailure or RetryLater to
say how it failed.
"""

from __future__ import annotations

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
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.job_paths import current_path
from app.core.jobs.outbox import (
    ALLOWED_PREFIX,
    RQ_ENTRY,
    SPENT_RQ_STATES,
    OutboxJob,
    redis_connection,
    rq_queue,
)
from app.core.tenancy import tenant
from app.extensions import db

log = logging.getLogger("baton.jobs")

# RQ's scheduler may hand a job over slightly before its time (it polls whole seconds), and
# hosts' clocks differ a little: a run this close to the due time is not "early".
EARLY_TOLERANCE = dt.timedelta(seconds=1)
# A retry RQ's scheduler has not moved to its queue this long after its time means no worker
# runs a scheduler: the sweep publishes it itself.
SCHEDULER_GRACE = dt.timedelta(seconds=5)


_current_job: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "baton_current_job", default=None
)


class PermanentFailure(Exception):
    """Raised by a job when retrying cannot help (e.g. SMTP 5xx): fail now, tell the owner."""


class RetryLater(Exception):
    """Raised by a job that must not go on before `at` (e.g. an email whose last attempt's
    outcome is unknown): run it again then. `counts_as_attempt=False` when this run did no
    work, so waiting never uses up the job's attempts."""

    def __init__(self, at: dt.datetime, reason: str, *, counts_as_attempt: bool = False) -> None:
        super().__init__(reason)
        self.at = at
        self.counts_as_attempt = counts_as_attempt


# A failed job's recorded error starts with its exception's dotted name (the owner reads it
# on the jobs page, cut to fit): these two keep the name they had before this package was
# split, app.core.jobs.<Name>, which is also where jobs import them from.
PermanentFailure.__module__ = RetryLater.__module__ = "app.core.jobs"


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


def backoff(attempt: int) -> dt.timedelta:
    """Time before retry `attempt` (1-based): base x 4^(n-1) (5, 20, 80, 320 s...), at most
    an hour; JOB_RETRY_BASE_SECONDS sets the base."""
    base = float(current_app.config.get("JOB_RETRY_BASE_SECONDS", 5))
    return dt.timedelta(seconds=min(3600.0, base * 4 ** (attempt - 1)))


# --- publishing -----------------------------------------------------------------------------


def _enqueue(queue, row: OutboxJob) -> None:
    queue.enqueue_call(
        RQ_ENTRY,
        args=(row.id, row.publish_seq),
        job_id=row.rq_job_id,
        timeout=row.timeout,
        result_ttl=600,
        failure_ttl=86400,
        description=row.label,
        unique=True,
    )


def _publish_row(conn, row: OutboxJob, now: dt.datetime) -> bool:
    """Queue one claimed row; False when it stays as it is (its scheduled retry is on time)."""
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job

    queue = rq_queue(row.queue, conn)
    try:
        _enqueue(queue, row)
        return True
    except DuplicateJobError:
        pass
    # RQ already holds this id: publishing twice queues it once, unless that copy is spent.
    try:
        status = Job.fetch(row.rq_job_id, connection=conn).get_status(refresh=False)
    except NoSuchJobError:
        status = None
    if status == "scheduled" and now < row.available_at + SCHEDULER_GRACE:
        return False  # RQ's scheduler hands it over on time; the row stays 'retrying'
    if status is None or status in SPENT_RQ_STATES or status == "scheduled":
        row.publish_seq += 1  # the old copy, if it ever runs, is refused by its sequence
        _enqueue(queue, row)
    return True


def publish(ids: list[int] | None = None, *, limit: int = 500) -> int:
    """Publish pending, due outbox rows (these `ids`, or any) to RQ; returns how many.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so concurrent relays never take the same
    row; the RQ job id is unique per row and publish sequence, so a row re-published after a
    crash is not queued twice. If Redis is unreachable nothing is marked and rows wait.
    """
    conn = redis_connection()
    if conn is None:
        return run_inline(ids)

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
            if not _publish_row(conn, row, now):
                continue
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
    module, _, name = current_path(func).rpartition(".")
    return getattr(importlib.import_module(module), name)


def run_outbox_job(outbox_id: int, seq: int | None = None) -> str:
    """Run one outbox job at most once to success; returns the row's status afterwards.

    `seq` is the publish sequence the RQ job was queued under: a copy from an older
    publication (a retry recovery already re-published, a scheduled copy the sweep replaced)
    does nothing, and neither does a copy that arrives before the row is due.
    """
    now = utcnow()
    row = db.session.get(OutboxJob, outbox_id, with_for_update=True, populate_existing=True)
    if row is None:
        db.session.rollback()
        return "missing"
    if seq is not None and seq != row.publish_seq:
        db.session.rollback()
        return "superseded"
    if row.status in ("succeeded", "failed"):
        db.session.rollback()
        return row.status
    if row.status != "running" and row.available_at > now + EARLY_TOLERANCE:
        db.session.rollback()  # not due: the sweep publishes it when it is
        return "early"
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


def stage_current_job_success(result: dict | None = None) -> None:
    """Record the current job's success in the caller's transaction (not committed here).

    For a job whose effect leaves the database (an email the SMTP server accepted), the
    effect's record and the job's outcome then commit together: a worker that dies in the
    clean-up afterwards (the SMTP QUIT) leaves nothing to recover, and nobody sees the email
    sent while its job still runs. run_outbox_job records the same outcome again at the end.
    """
    info = current_job()
    if info is None:
        return
    db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id == info.id, OutboxJob.status == "running")
        .values(status="succeeded", finished_at=utcnow(), result=result)
        .execution_options(synchronize_session=False)
    )


def _record_failure(outbox_id: int, exc: Exception) -> str:
    row = db.session.get(OutboxJob, outbox_id, with_for_update=True, populate_existing=True)
    row.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
    row.finished_at = utcnow()
    later = isinstance(exc, RetryLater)
    waited = later and not exc.counts_as_attempt
    if waited:
        row.attempts = max(0, row.attempts - 1)  # this run only looked and waited
    permanent = isinstance(exc, PermanentFailure)
    if permanent or (row.attempts >= row.max_attempts and not waited):
        row.status = "failed"
        log.error("job %s (%s) failed for good: %s", row.id, row.func, row.last_error)
    else:
        row.status = "retrying"
        row.publish_seq += 1
        row.available_at = exc.at if later else utcnow() + backoff(row.attempts)
        log.warning(
            "job %s (%s) will retry at %s: %s", row.id, row.func, row.available_at, row.last_error
        )
    status = row.status
    db.session.commit()
    if status == "retrying":
        _schedule_retry(outbox_id)
    return status


def _schedule_retry(outbox_id: int) -> None:
    """Ask RQ's scheduler to hand the retry to its queue when due; the clock's sweep is the
    safety net. The row stays 'retrying' (not 'published') until then, so recovery never
    mistakes a retry waiting for its time for a lost job."""
    conn = redis_connection()
    if conn is None:
        return
    row = db.session.get(OutboxJob, outbox_id)
    # RQ's scheduler compares whole seconds: round up, so the retry never runs early.
    at = row.available_at.replace(microsecond=0) + dt.timedelta(
        seconds=1 if row.available_at.microsecond else 0
    )
    args = (row.id, row.publish_seq)
    queue, job_id, timeout, label = row.queue, row.rq_job_id, row.timeout, row.label
    db.session.rollback()  # release the row before talking to Redis
    try:
        rq_queue(queue, conn).enqueue_at(
            at,
            RQ_ENTRY,
            *args,
            job_id=job_id,
            job_timeout=timeout,
            result_ttl=600,
            failure_ttl=86400,
            description=label,
        )
    except Exception as exc:  # noqa: BLE001 - the sweep will publish it when due
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


def noop(**kwargs: Any) -> dict:
    """A job that does nothing: used by the throughput benchmark and smoke checks."""
    return {"ok": True}
