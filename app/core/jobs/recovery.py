"""Recovery of lost outbox jobs and the clock's sweep.

Recovery (`recover_stale`) asks RQ what became of each published or running row instead of
guessing from timestamps: a job still in its queue (or in the scheduled registry) is waiting,
however long the backlog; a job started by a worker that still beats (`mark_worker_alive`)
is running. Only a job whose worker died, or that RQ no longer has, is published again.
On the embedded default (no Redis) a running row silent for longer than its queue's timeout
is recovered. The sweep (`sweep`, run by the clock) recovers, then publishes every due row
that the relay of the request that made it left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import sqlalchemy as sa
from flask import current_app

from app.core.clock import timestamp, utcnow
from app.core.jobs.outbox import (
    QUEUES,
    SPENT_RQ_STATES,
    OutboxJob,
    queue_timeout,
    redis_connection,
    rq_queue,
)
from app.core.jobs.runner import publish
from app.core.tenancy import all_tenants
from app.extensions import db

# Stored in English (logs read it); the jobs pages show it in the reader's language.
WORKER_LOST = "The worker running this job stopped and it ran out of attempts."

log = logging.getLogger("baton.jobs")

WORKER_ALIVE_KEY = "baton:worker-alive:{}"  # set by each worker process every few seconds


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
    in_queue = {job_id for q in queued for job_id in rq_queue(q, conn).get_job_ids()}

    def lost(row: OutboxJob, job, status: str | None) -> bool:
        if job is None or status in SPENT_RQ_STATES:
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
                verdicts[i] = rows[i].rq_job_id not in rq_queue(rows[i].queue, conn).get_job_ids()
            else:
                verdicts[i] = job is None or status in SPENT_RQ_STATES
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
                row.last_error = WORKER_LOST
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
