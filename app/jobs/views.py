"""Owner pages for background jobs: the list, one job with a live progress bar, run again."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.core.jobs import OutboxJob
from app.core.pagination import paginate
from app.core.permissions import roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.jobs.labels import error_text, job_title, progress_text, queue_label
from app.jobs.queries import GROUPS, get_job_or_404, job_counts, visible_jobs
from app.jobs.services import dismiss_job, run_job_again

bp = Blueprint("jobs", __name__, template_folder="templates")


@bp.context_processor
def _labels() -> dict:
    return {
        "job_title": job_title,
        "queue_label": queue_label,
        "progress_text": progress_text,
        "error_text": error_text,
    }


@bp.get("/<agency_slug>/jobs")
@roles("owner", "manager")
def list_jobs(agency_slug: str):
    group = request.args.get("group", "all")
    stmt = visible_jobs(g.actor)
    if group in GROUPS:
        stmt = stmt.where(OutboxJob.status.in_(GROUPS[group]))
    page = paginate(
        stmt.order_by(OutboxJob.created_at.desc(), OutboxJob.id.desc()),
        max(1, request.args.get("page", 1, type=int) or 1),
        25,
    )
    return render_template(
        "jobs/list.html", page=page, group=group, counts=job_counts(g.actor), args={"group": group}
    )


@bp.get("/<agency_slug>/jobs/<int:job_id>")
@roles("owner", "manager")
def show_job(agency_slug: str, job_id: int):
    job = get_job_or_404(g.actor, job_id)
    return render_template("jobs/show.html", job=job)


@bp.get("/<agency_slug>/jobs/<int:job_id>/progress")
@roles("owner", "manager")
def job_progress(agency_slug: str, job_id: int):
    """The progress bar fragment, polled by htmx while the job is open."""
    job = get_job_or_404(g.actor, job_id)
    return render_template("jobs/_progress.html", job=job)


@bp.post("/<agency_slug>/jobs/<int:job_id>/retry")
@roles("owner")
def retry(agency_slug: str, job_id: int):
    job = get_job_or_404(g.actor, job_id)
    run_job_again(g.actor, job)
    commit()
    flash(_("The job was queued again."), "success")
    return redirect(url_for("jobs.show_job", agency_slug=agency_slug, job_id=job_id))


@bp.post("/<agency_slug>/jobs/<int:job_id>/dismiss")
@roles("owner")
def dismiss(agency_slug: str, job_id: int):
    job = get_job_or_404(g.actor, job_id)
    dismiss_job(g.actor, job)
    commit()
    flash(_("Dismissed."), "info")
    return redirect(url_for("jobs.list_jobs", agency_slug=agency_slug, group="failed"))


@bp.app_template_global()
def failed_job_count() -> int:
    """Failed, not dismissed jobs of the current agency (the owner's banner)."""
    from app.jobs.queries import unacknowledged_failures

    actor = g.get("actor")
    return unacknowledged_failures(actor) if actor is not None and actor.agency else 0
