"""Who may watch and re-run the agency's background jobs."""

from __future__ import annotations

from app.core.permissions import Actor


def can_view_jobs(actor: Actor) -> bool:
    return actor.role in ("owner", "manager")


def can_retry_job(actor: Actor, job) -> bool:
    return actor.role == "owner" and job.status == "failed"


def can_dismiss_job(actor: Actor, job) -> bool:
    return actor.role == "owner" and job.status == "failed" and job.acknowledged_at is None
