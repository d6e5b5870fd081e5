"""The capacity blueprint ("capacity": every endpoint is capacity.<view>), its labels and
template helpers, and the dashboard hook (pending time off requests)."""

from __future__ import annotations

from flask import Blueprint, g

from app.capacity.intervals import hhmm
from app.capacity.policy import can_decide
from app.capacity.queries import pending_count
from app.core.formatting import localise_digits, reader_locale
from app.core.translation import lazy_gettext

bp = Blueprint("capacity", __name__, template_folder="templates")

WEEKDAY_LABELS = (
    lazy_gettext("Monday"),
    lazy_gettext("Tuesday"),
    lazy_gettext("Wednesday"),
    lazy_gettext("Thursday"),
    lazy_gettext("Friday"),
    lazy_gettext("Saturday"),
    lazy_gettext("Sunday"),
)
KIND_LABELS = {
    "vacation": lazy_gettext("Vacation"),
    "sick": lazy_gettext("Sick leave"),
    "other": lazy_gettext("Other"),
}
STATE_LABELS = {
    "pending": lazy_gettext("Pending"),
    "approved": lazy_gettext("Approved"),
    "declined": lazy_gettext("Declined"),
    "cancelled": lazy_gettext("Cancelled"),
}
STATE_BADGES = {
    "pending": "text-bg-warning",
    "approved": "text-bg-success",
    "declined": "text-bg-danger",
    "cancelled": "text-bg-light border",
}


@bp.app_template_filter("clock")
def clock(minute: int) -> str:
    """Minutes from midnight as HH:MM in the reader's digits."""
    return localise_digits(hhmm(max(0, min(int(minute), 1440))), reader_locale())


@bp.app_template_global()
def holiday_label(name: str) -> str:
    """A public holiday's name as the `holidays` library gives it (English) for English
    readers; "Public holiday" in the reader's language for everyone else."""
    if reader_locale().split("_")[0] == "en":
        return name
    return str(lazy_gettext("Public holiday"))


@bp.app_template_global()
def pending_time_off_count() -> int | None:
    """The dashboard's count of time off requests waiting (owners and managers)."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_decide(actor):
        return None
    return pending_count()


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "CAPACITY_WEEKDAYS": WEEKDAY_LABELS,
        "TIME_OFF_KINDS": KIND_LABELS,
        "TIME_OFF_STATES": STATE_LABELS,
        "TIME_OFF_BADGES": STATE_BADGES,
    }
