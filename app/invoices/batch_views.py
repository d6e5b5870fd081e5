"""Owner pages of the month-end batch: pick a month, start, watch the live progress bar and
read the summary."""

from __future__ import annotations

import re

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.core.errors import Forbidden, ValidationFailed
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.invoices.batch import (
    MONTH_PATTERN,
    BatchIn,
    batch_values,
    can_run_batch,
    draft_summary,
    get_batch_or_404,
    recent_batches,
    start_batch,
    suggested_month,
)

bp = Blueprint("invoice_batches", __name__, template_folder="templates")


def _authorize() -> None:
    if not can_run_batch(g.actor):
        raise Forbidden(_("Only owners can issue a month's invoices at once."))


@bp.route("/<agency_slug>/invoices/batch", methods=["GET", "POST"])
@roles("owner")
def new_batch(agency_slug: str) -> ResponseReturnValue:
    _authorize()
    errors: dict = {}
    month = request.args.get("month", "")
    if not re.fullmatch(MONTH_PATTERN, month):
        month = suggested_month(g.actor)
    if request.method == "POST":
        month = request.form.get("month", "")
        try:
            data = load_form(BatchIn(), request.form)
            job = start_batch(g.actor, data)
            commit()
            return redirect(
                url_for("invoice_batches.show_batch", agency_slug=agency_slug, batch_id=job.id)
            )
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    summary = draft_summary(g.actor, month) if re.fullmatch(MONTH_PATTERN, month) else None
    return render_template(
        "invoices/batch_new.html",
        values={"month": month},
        errors=errors,
        summary=summary,
        batches=[batch_values(j) for j in recent_batches(g.actor)],
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/invoices/batches/<int:batch_id>")
@roles("owner")
def show_batch(agency_slug: str, batch_id: int) -> ResponseReturnValue:
    _authorize()
    batch = batch_values(get_batch_or_404(g.actor, batch_id))
    return render_template("invoices/batch_show.html", batch=batch)


@bp.get("/<agency_slug>/invoices/batches/<int:batch_id>/progress")
@roles("owner")
def batch_progress(agency_slug: str, batch_id: int) -> ResponseReturnValue:
    """The live progress bar and summary, polled by htmx until the batch has finished."""
    _authorize()
    batch = batch_values(get_batch_or_404(g.actor, batch_id))
    return render_template("invoices/_batch_status.html", batch=batch)
