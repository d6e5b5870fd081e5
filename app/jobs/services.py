"""Write side of jobs: run a failed job again, dismiss a failure."""

from __future__ import annotations

from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden
from app.core.jobs import OutboxJob, retry_job
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.jobs.policy import can_dismiss_job, can_retry_job


def run_job_again(actor: Actor, job: OutboxJob) -> OutboxJob:
    if actor.role != "owner":
        raise Forbidden(_("Only owners can run a job again."))
    if not can_retry_job(actor, job):
        raise Conflict(
            _("Only failed jobs can be run again; this one is %(status)s.", status=job.status)
        )
    record(
        actor, "job.retried", job, summary=f"Ran again: {job.label}", before={"status": "failed"}
    )
    return retry_job(job.id)


def dismiss_job(actor: Actor, job: OutboxJob) -> OutboxJob:
    if actor.role != "owner":
        raise Forbidden(_("Only owners can dismiss a failed job."))
    if not can_dismiss_job(actor, job):
        raise Conflict(_("Only failed jobs that are not dismissed yet can be dismissed."))
    job.acknowledged_at = utcnow()
    return job
