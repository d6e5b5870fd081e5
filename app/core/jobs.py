"""Background jobs through a transactional outbox.

`enqueue_job()` writes an `outbox_jobs` row in the business transaction, so a job exists
exactly when the change that caused it committed. After the commit the relay publishes the
committed rows to RQ (queues by purpose: default, email, pdf); the clock's sweep publishes
anything left behind (Redis was down, the process died) and recovers jobs whose worker died.
Without REDIS_URL (the embedded default) the same rows run in-process right after commit.

The row is the truth: `run_outbox_job(id, seq)` locks it, skips it when it already finished,
is running elsewhere, is not due yet or was superseded by a later publication (`seq`), and
records attempts, progress, the error and the outcome. A job that runs twice therefore does
its work once. RQ job ids derive from the row id and its publish sequence, so publishing the
same row twice enqueues it once.

Recovery (`recover_stale`) asks RQ what became of each published or running row instead of
guessing from timestamps: a job still in its queue (or in the scheduled registry) is waiting,
however long the backlog; a job started by a worker that still beats (`mark_worker_alive`)
is running. Only a job whose worker died, or that RQ no longer has, is published again.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import importlib
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.clock import timestamp, utcnow
from app.core.db import UTCDateTime
from app.core.job_paths import current_path
from app.core.tenancy import all_tenants, tenant
from app.extensions import db

log = logging.getLogger("baton.jobs")

QUEUES = {"email": 60, "default": 300, "pdf": 600}  # queue -> default timeout in seconds
JOB_STATUSES = ("pending", "published", "running", "retrying", "succeeded", "failed")
OPEN_STATUSES = ("pending", "published", "running", "retrying")
RQ_ENTRY = "workers.jobs.run"  # the RQ function; a string, so the app never imports workers
ALLOWED_PREFIX = "app."
WORKER_ALIVE_KEY = "baton:worker-alive:{}"  # set by each worker process every few seconds
JOB_RUNS_KEY = "baton:stats:job-runs"  # RQ job runs, counted by workers.jobs.run
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


# RQ states in which a job id is spent: a new run needs a new id (the next publish sequence).
_SPENT = frozenset({"finished", "failed", "stopped", "canceled"})


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

    queue = _rq_queue(row.queue, conn)
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
    if status is None or status in _SPENT or status == "scheduled":
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
        _rq_queue(queue, conn).enqueue_at(
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


# --- worker liveness -------------------------------------------------------------------------


def worker_alive_ttl() -> int:
    """Seconds after a worker's last beat before recovery counts it as dead."""
    return max(1, int(current_app.config.get("WORKER_ALIVE_TTL_SECONDS", 15)))


def mark_worker_alive(conn, worker_name: str, ttl: int) -> None:
    """Called by each worker process every ttl/3 seconds, from a thread of its own, so a
    worker busy with a long job still beats and a killed one stops within `ttl` seconds.
    (RQ's own worker key lives for the job timeout + 60 s after a kill: too slow to tell.)"""
    conn.set(WORKER_ALIVE_KEY.format(worker_name), timestamp(), ex=ttl)


def _alive_workers(conn, names: set[str]) -> set[str]:
    names = sorted(n for n in names if n)
    if not names:
        return set()
    with conn.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.exists(WORKER_ALIVE_KEY.format(name))
        found = pipe.execute()
    return {name for name, hit in zip(names, found, strict=True) if hit}


# --- the sweep (run by the clock) ------------------------------------------------------------


def _rq_verdicts(conn, rows: list[OutboxJob]) -> list[bool]:
    """For each published or running row: is its RQ job lost (True) or still on its way?

    Waiting: in its queue (however long the backlog), scheduled, or started by a worker that
    still beats. Lost: RQ no longer has it, its run ended without the row recording an
    outcome, or the worker that started it stopped beating.
    """
    from rq.job import Job

    def fetch() -> list:
        return Job.fetch_many([r.rq_job_id for r in rows], connection=conn)

    jobs = fetch()
    statuses = [j.get_status(refresh=False) if j is not None else None for j in jobs]
    alive = _alive_workers(
        conn, {j.worker_name for j, s in zip(jobs, statuses, strict=True) if s == "started"}
    )
    queued = {r.queue for r, s in zip(rows, statuses, strict=True) if s == "queued"}
    in_queue = {job_id for q in queued for job_id in _rq_queue(q, conn).get_job_ids()}

    def lost(row: OutboxJob, job, status: str | None) -> bool:
        if job is None or status in _SPENT:
            return True
        if status == "queued":
            return row.rq_job_id not in in_queue
        if status == "started":
            return job.worker_name not in alive
        return False  # scheduled, deferred: on its way

    verdicts = [lost(r, j, s) for r, j, s in zip(rows, jobs, statuses, strict=True)]
    # A worker takes a job off its queue a moment before marking it started: a 'queued' job
    # missing from its queue is only lost if it is still in that state a moment later.
    doubtful = [i for i, r in enumerate(rows) if verdicts[i] and statuses[i] == "queued"]
    if doubtful:
        time.sleep(0.2)
        again = Job.fetch_many([rows[i].rq_job_id for i in doubtful], connection=conn)
        for i, job in zip(doubtful, again, strict=True):
            status = job.get_status(refresh=False) if job is not None else None
            if status == "started":
                verdicts[i] = job.worker_name not in _alive_workers(conn, {job.worker_name})
            elif status == "queued":
                verdicts[i] = rows[i].rq_job_id not in _rq_queue(rows[i].queue, conn).get_job_ids()
            else:
                verdicts[i] = job is None or status in _SPENT
    return verdicts


def recover_stale(now: dt.datetime | None = None) -> int:
    """Publish again the jobs that will otherwise never run; returns how many.

    With Redis, RQ is asked about every row left 'published' or 'running' (see _rq_verdicts):
    a job waiting behind a backlog is left alone however long it waits, so a backlog never
    makes a job run twice. If Redis can't be asked, nothing is recovered this round.
    On the embedded default (no Redis), a 'running' row silent for longer than its queue
    timeout belonged to a process that stopped (the web process restarted).
    """
    now = now or utcnow()
    conn = redis_connection()
    grace = dt.timedelta(seconds=float(current_app.config.get("OUTBOX_SWEEP_GRACE_SECONDS", 5)))
    with all_tenants():
        if conn is None:
            lost = []
            for queue in QUEUES:
                limit = now - dt.timedelta(seconds=queue_timeout(queue))
                lost += db.session.scalars(
                    sa.select(OutboxJob)
                    .where(
                        OutboxJob.queue == queue,
                        OutboxJob.status == "running",
                        OutboxJob.heartbeat_at < limit,
                    )
                    .with_for_update(skip_locked=True)
                ).all()
        else:
            cutoff = now - grace
            rows = db.session.scalars(
                sa.select(OutboxJob)
                .where(
                    sa.or_(
                        sa.and_(OutboxJob.status == "published", OutboxJob.published_at <= cutoff),
                        sa.and_(OutboxJob.status == "running", OutboxJob.started_at <= cutoff),
                    )
                )
                .order_by(OutboxJob.id)
                .limit(1000)
                .with_for_update(skip_locked=True)
            ).all()
            try:
                verdicts = _rq_verdicts(conn, rows) if rows else []
            except Exception as exc:  # noqa: BLE001 - Redis can't tell: recover nothing now
                db.session.rollback()
                log.warning("recovery skipped, Redis unreachable: %s", exc)
                return 0
            lost = [row for row, is_lost in zip(rows, verdicts, strict=True) if is_lost]
        for row in lost:
            if row.status == "running" and row.attempts >= row.max_attempts:
                row.status = "failed"
                row.last_error = "The worker running this job stopped and it ran out of attempts."
                row.finished_at = now
            else:
                # Back to pending under a new RQ id; the due time stays (a retry keeps its wait).
                row.status = "pending"
                row.publish_seq += 1
            log.warning("job %s (%s) recovered: its RQ job was lost", row.id, row.func)
        db.session.commit()
    return len(lost)


def sweep() -> dict:
    """The clock's outbox sweep: recover lost jobs, then publish every due row."""
    recovered = recover_stale()
    with all_tenants():
        # Leave fresh rows to the relay of the request that made them.
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
