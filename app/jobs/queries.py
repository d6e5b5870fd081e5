"""Read side of background jobs: an agency sees only its own."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.core.jobs import OutboxJob
from app.core.permissions import Actor
from app.extensions import db
from app.jobs.policy import can_view_jobs

GROUPS = {
    "queued": ("pending", "published", "retrying"),
    "running": ("running",),
    "failed": ("failed",),
    "done": ("succeeded",),
}


def visible_jobs(actor: Actor) -> sa.Select:
    """Jobs of the actor's agency (the outbox table is cross-tenant, so filter explicitly)."""
    if not can_view_jobs(actor):
        return sa.select(OutboxJob).where(sa.false())
    return sa.select(OutboxJob).where(OutboxJob.agency_id == actor.agency_id)


def get_job_or_404(actor: Actor, job_id: int) -> OutboxJob:
    job = db.session.scalar(visible_jobs(actor).where(OutboxJob.id == job_id))
    if job is None:
        abort(404)
    return job


def job_counts(actor: Actor) -> dict[str, int]:
    visible = visible_jobs(actor).subquery()
    rows = db.session.execute(
        sa.select(visible.c.status, sa.func.count()).group_by(visible.c.status)
    ).all()
    by_status = dict(rows)
    return {g: sum(by_status.get(s, 0) for s in statuses) for g, statuses in GROUPS.items()}


def unacknowledged_failures(actor: Actor) -> int:
    if not can_view_jobs(actor):
        return 0
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxJob)
        .where(
            OutboxJob.agency_id == actor.agency_id,
            OutboxJob.status == "failed",
            OutboxJob.acknowledged_at.is_(None),
        )
    )
