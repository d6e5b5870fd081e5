"""The rates blueprint ("rates": every endpoint is rates.<view>) and what its pages share:
how levels, kinds and rounding are named, and how a rate is written."""

from __future__ import annotations

from flask import Blueprint

from app.core.formatting import format_day
from app.core.money import input_value, page_money
from app.core.translation import gettext, lazy_gettext
from app.rates.models import FROM_THE_START

bp = Blueprint("rates", __name__, template_folder="templates")

LEVEL_LABELS = {
    "work_item": lazy_gettext("Work item"),
    "client_member": lazy_gettext("Person at this client"),
    "client": lazy_gettext("Client"),
    "package": lazy_gettext("Service package"),
    "agency": lazy_gettext("Agency default"),
}
COST_KIND_LABELS = {
    "hourly": lazy_gettext("By the hour"),
    "per_item": lazy_gettext("Per work item"),
}
DIRECTION_LABELS = {
    "up": lazy_gettext("Up"),
    "down": lazy_gettext("Down"),
    "nearest": lazy_gettext("To the nearest (a half rounds up)"),
}


def since(day: object) -> str:
    """When a rate starts, as the pages say it: "from the start" or "from 3 Mar 2026"."""
    if day is None or day <= FROM_THE_START:  # type: ignore[operator]
        return gettext("from the start")
    return gettext("from %(day)s", day=format_day(day))  # type: ignore[arg-type]


def per_hour(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return "—"
    return gettext("%(amount)s / hour", amount=page_money(minor, currency))


@bp.context_processor
def _helpers() -> dict:
    return {
        "money": page_money,
        "input_value": input_value,
        "per_hour": per_hour,
        "since": since,
        "LEVEL_LABELS": LEVEL_LABELS,
        "COST_KIND_LABELS": COST_KIND_LABELS,
        "DIRECTION_LABELS": DIRECTION_LABELS,
    }
