"""HTML pages of timesheets: submitting a week (the button of My time), the Team
timesheets queue (approve, reject with a reason, reopen) and the settings.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.timesheets.blueprint import WEEK_START_LABELS, bp
from app.timesheets.models import Timesheet
from app.timesheets.policy import TRACKERS, can_decide, can_manage_settings
from app.timesheets.queries import (
    client_totals,
    get_timesheet_or_404,
    staff_members,
    team_rows,
    timesheet_settings,
)
from app.timesheets.schemas import RejectIn, SettingsIn, SubmitIn, TeamArgs
from app.timesheets.services import (
    approve_timesheet,
    reject_timesheet,
    reopen_timesheet,
    submit_week,
    update_settings,
)


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _form() -> MultiDict:
    return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "next"])


def _team_url() -> str:
    return url_for("timesheets.team", agency_slug=g.actor.agency.slug)


@bp.post("/<agency_slug>/timesheets/submit")
@roles(*TRACKERS)
def submit(agency_slug: str) -> ResponseReturnValue:
    """Submit a week (the My time button): back to the week, with what happened."""
    default = url_for("time.my_time", agency_slug=agency_slug)
    try:
        sheet = submit_week(g.actor, load_form(SubmitIn(), _form()))
        commit()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        if isinstance(exc, ValidationFailed):
            messages = [str(m) for ms in exc.errors.values() for m in ms]
        else:
            messages = [exc.message]
        for message in messages:
            flash(message, "warning")
        return redirect(_back(default))
    flash(_("Week submitted for approval."), "success")
    return redirect(_back(url_for("time.my_time", agency_slug=agency_slug, week=sheet.week_start)))


def _team_page(
    errors: dict | None = None, failed_id: int | None = None, values: dict | None = None
):
    try:
        args = load_form(TeamArgs(), MultiDict(request.args.items()))
    except ValidationFailed:
        args = {}
    rows = team_rows(args)
    return render_template(
        "timesheets/team.html",
        rows=rows,
        by_client=client_totals(rows),
        args=args,
        state=args.get("state") or "submitted",
        people=staff_members(),
        errors=errors or {},
        failed_id=failed_id,
        values=values or {},
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/timesheets")
@roles(*MANAGERS)
def team(agency_slug: str) -> ResponseReturnValue:
    """Team timesheets: the approval queue, with totals per person and per client."""
    _authorize(can_decide(g.actor))
    return _team_page()


def _decide(
    timesheet_id: int, decide: Callable[[Timesheet], object], done: Callable[[str], str]
) -> ResponseReturnValue:
    """Run one decision on a timesheet the actor may decide on; a conflict (the week moved
    on meanwhile) is said and changes nothing. `done(name)` is the success message."""
    sheet = get_timesheet_or_404(g.actor, timesheet_id)
    _authorize(can_decide(g.actor))
    try:
        decide(sheet)
        commit()
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_back(_team_url()))
    flash(done(sheet.member.user.name), "success")
    return redirect(_back(_team_url()))


@bp.post("/<agency_slug>/timesheets/<int:timesheet_id>/approve")
@roles(*MANAGERS)
def approve(agency_slug: str, timesheet_id: int) -> ResponseReturnValue:
    return _decide(
        timesheet_id,
        lambda sheet: approve_timesheet(g.actor, sheet),
        lambda name: _("Week of %(name)s approved.", name=name),
    )


@bp.post("/<agency_slug>/timesheets/<int:timesheet_id>/reject")
@roles(*MANAGERS)
def reject(agency_slug: str, timesheet_id: int) -> ResponseReturnValue:
    form = _form()

    def send_back(sheet: Timesheet) -> None:
        reject_timesheet(g.actor, sheet, load_form(RejectIn(), form).get("reason"))

    try:
        return _decide(
            timesheet_id, send_back, lambda name: _("Week of %(name)s sent back.", name=name)
        )
    except ValidationFailed as exc:
        db.session.rollback()
        return _team_page(exc.errors, timesheet_id, form.to_dict())


@bp.post("/<agency_slug>/timesheets/<int:timesheet_id>/reopen")
@roles(*MANAGERS)
def reopen(agency_slug: str, timesheet_id: int) -> ResponseReturnValue:
    return _decide(
        timesheet_id,
        lambda sheet: reopen_timesheet(g.actor, sheet),
        lambda name: _("Week of %(name)s reopened: its time can be changed again.", name=name),
    )


@bp.route("/<agency_slug>/timesheets/settings", methods=["GET", "POST"])
@roles("owner")
def settings(agency_slug: str) -> ResponseReturnValue:
    """The first day of the week, and whether only managers with the client assigned
    decide."""
    _authorize(can_manage_settings(g.actor))
    row = timesheet_settings()
    values = {"week_start": row.week_start, "assigned_managers_only": row.assigned_managers_only}
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        try:
            update_settings(g.actor, load_form(SettingsIn(), form))
            commit()
            flash(_("Timesheet settings saved."), "success")
            return redirect(url_for("timesheets.settings", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            values = form.to_dict()
            values["assigned_managers_only"] = "assigned_managers_only" in form
            errors = exc.errors
    return render_template(
        "timesheets/settings.html",
        values=values,
        errors=errors,
        week_starts=list(WEEK_START_LABELS.items()),
    ), (422 if errors else 200)
