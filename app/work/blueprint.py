"""The work blueprint ("work": every endpoint is work.<view>) and what its page modules
share: the labels the templates show, refusing what the policy does not allow, telling an
htmx request apart and the item page's URL.

The blueprint is made here only; app.work.views (create, edit, the item page, comments,
evidence downloads), app.work.transition_views (the workflow actions) and
app.work.checklist_views (ticking and evidence) add their routes to it, and the app factory
imports those modules before registering it.
"""

from __future__ import annotations

from flask import Blueprint, g, request, url_for

from app.core.errors import Forbidden
from app.work.models import WorkItem
from app.work.services import STATE_LABELS

bp = Blueprint("work", __name__, template_folder="templates")

QUADRANT_LABELS = {
    "do": "Do now (urgent, important)",
    "schedule": "Schedule (important)",
    "delegate": "Delegate (urgent)",
    "eliminate": "Later (neither)",
}
ACTION_LABELS = {
    "start": "Start work",
    "submit": "Submit for review",
    "take": "Take for review",
    "deliver": "Mark delivered",
    "cancel": "Cancel item",
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "STATE_LABELS": STATE_LABELS,
        "QUADRANT_LABELS": QUADRANT_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
    }


def authorize(allowed: bool) -> None:
    """Refuse (403) what the policy does not allow."""
    if not allowed:
        raise Forbidden("Your role does not allow this.")


def is_htmx() -> bool:
    """Whether the request comes from htmx (answer with a fragment)."""
    return request.headers.get("HX-Request") == "true"


def item_url(item: WorkItem, anchor: str | None = None) -> str:
    """The item page, optionally at an anchor."""
    return url_for(
        "work.show_work_item",
        agency_slug=g.actor.agency.slug,
        work_item_id=item.id,
        _anchor=anchor,
    )
