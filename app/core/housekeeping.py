"""The hourly housekeeping job: forget what has expired."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.idempotency import purge_expired_keys
from app.core.jobs import OutboxJob
from app.extensions import db

KEEP_FINISHED_JOBS = dt.timedelta(days=30)


def purge_expired() -> dict:
    """Delete finished outbox rows older than 30 days (failed ones the owner dismissed) and
    idempotency keys older than 24 hours."""
    cutoff = utcnow() - KEEP_FINISHED_JOBS
    result = db.session.execute(
        sa.delete(OutboxJob).where(
            OutboxJob.finished_at < cutoff,
            sa.or_(
                OutboxJob.status == "succeeded",
                sa.and_(OutboxJob.status == "failed", OutboxJob.acknowledged_at.is_not(None)),
            ),
            OutboxJob.dedupe_key.is_(None) | OutboxJob.dedupe_key.like("periodic:%"),
        )
    )
    keys = purge_expired_keys()
    db.session.commit()
    return {"deleted_jobs": result.rowcount, "deleted_idempotency_keys": keys}
