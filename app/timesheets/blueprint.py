"""The timesheets blueprint ("timesheets": every endpoint is timesheets.<view>) and the
hooks other pages call: the week's state box of My time and the dashboard's late weeks.
Registering it also registers the week guard of time entries and the agency's first day
of the week."""

from __future__ import annotations

from flask import Blueprint, g

from app.core.clock import today_in
from app.core.translation import lazy_gettext
from app.time.queries import FIRST_WEEKDAY
from app.time.services import ENTRY_GUARDS
from app.timesheets.policy import can_decide, can_see_timesheets
from app.timesheets.queries import first_weekday, late_timesheets, week_box
from app.timesheets.services import guard_entry

bp = Blueprint("timesheets", __name__, template_folder="templates")

STATE_LABELS = {
    "open": lazy_gettext("Not submitted"),
    "submitted": lazy_gettext("Submitted"),
    "approved": lazy_gettext("Approved"),
    "rejected": lazy_gettext("Rejected"),
    "reopened": lazy_gettext("Reopened"),
}
STATE_BADGES = {
    "open": "text-bg-light border",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "reopened": "text-bg-warning",
}
WEEK_START_LABELS = {
    "monday": lazy_gettext("Monday"),
    "sunday": lazy_gettext("Sunday"),
    "saturday": lazy_gettext("Saturday"),
}

if guard_entry not in ENTRY_GUARDS:
    ENTRY_GUARDS.append(guard_entry)
if first_weekday not in FIRST_WEEKDAY:
    FIRST_WEEKDAY.append(first_weekday)


@bp.app_template_global()
def timesheet_box(member: object, any_day: object) -> object | None:
    """My time's state box of the week shown."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_see_timesheets(actor):
        return None
    return week_box(actor, member, any_day)  # type: ignore[arg-type]


@bp.app_template_global()
def late_timesheet_list() -> list | None:
    """The dashboard's late weeks (owners and managers)."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_decide(actor):
        return None
    return late_timesheets(today_in(actor.agency.time_zone))


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "TIMESHEET_STATE_LABELS": STATE_LABELS,
        "TIMESHEET_STATE_BADGES": STATE_BADGES,
    }
