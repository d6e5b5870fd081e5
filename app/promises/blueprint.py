"""The promises blueprint ("promises": every endpoint is promises.<view>), its labels, and
the client page's card (`promise_card`). Importing it registers the work history hook that
starts and stops clocks on work item comments."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g

from app.clients.models import Client
from app.core.clock import today_in
from app.core.formatting import month_label, reader_locale
from app.core.translation import lazy_gettext
from app.promises.policy import can_see_promises
from app.promises.queries import MonthFigure, monthly_figures
from app.promises.services import on_work_event
from app.work.services import EVENT_HOOKS

bp = Blueprint("promises", __name__, template_folder="templates")

if on_work_event not in EVENT_HOOKS:
    EVENT_HOOKS.append(on_work_event)

STATE_LABELS = {
    "running": lazy_gettext("Waiting for us"),
    "paused": lazy_gettext("Waiting for the client"),
    "answered": lazy_gettext("Answered"),
}
SOURCE_LABELS = {
    "work_request": lazy_gettext("Request"),
    "work_comment": lazy_gettext("Comment on a work item"),
    "request_message": lazy_gettext("Message on a request"),
}


def month_text(month: dt.date) -> str:
    return month_label(f"{month.year:04d}-{month.month:02d}", reader_locale())


def bars(figures: list[MonthFigure], promised_hours: int | None) -> list[dict]:
    """Each month's median as a bar against the promise (100 % = the promised hours)."""
    scale = max([promised_hours or 0] + [f.median_hours or 0 for f in figures]) or 1
    return [
        {
            "month": month_text(f.month),
            "figure": f,
            "percent": round(100 * (f.median_hours or 0) / scale),
            "over": promised_hours is not None and (f.median_hours or 0) > promised_hours,
        }
        for f in figures
    ]


@bp.app_template_global()
def promise_card(client: Client) -> dict | None:
    """The client page's response-time card: the last six months (owners and managers)."""
    actor = g.get("actor")
    if actor is None or not can_see_promises(actor):
        return None
    zone = actor.agency.time_zone or "UTC"
    figures = monthly_figures(zone, today_in(zone), client_id=client.id)
    return {
        "promised_hours": client.response_time_hours,
        "bars": bars(figures, client.response_time_hours),
    }


@bp.app_context_processor
def _helpers() -> dict:
    return {"CLOCK_STATES": STATE_LABELS, "CLOCK_SOURCES": SOURCE_LABELS}
