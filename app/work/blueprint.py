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
from markupsafe import Markup

from app.core.errors import Forbidden
from app.core.translation import gettext, lazy_gettext
from app.work.history import history_body
from app.work.models import WorkItem
from app.work.services import STATE_WORDS, state_label

bp = Blueprint("work", __name__, template_folder="templates")

QUADRANT_LABELS = {
    "do": lazy_gettext("Do now (urgent, important)"),
    "schedule": lazy_gettext("Schedule (important)"),
    "delegate": lazy_gettext("Delegate (urgent)"),
    "eliminate": lazy_gettext("Later (neither)"),
}
ACTION_LABELS = {
    "start": lazy_gettext("Start work"),
    "submit": lazy_gettext("Submit for review"),
    "take": lazy_gettext("Take for review"),
    "send_stage": lazy_gettext("Send the stage to the client"),
    "deliver": lazy_gettext("Mark delivered"),
    "cancel": lazy_gettext("Cancel item"),
}
OUTCOME_LABELS = {
    "approved": lazy_gettext("Approved"),
    "changes_requested": lazy_gettext("Changes requested"),
    "client_approved": lazy_gettext("Client approved"),
    "client_changes": lazy_gettext("Client changes"),
}
# The fields an "edited" history entry names (EDIT_FIELDS of app.work.services).
FIELD_LABELS = {
    "title": lazy_gettext("title"),
    "description": lazy_gettext("description"),
    "due_at": lazy_gettext("due time"),
    "urgent": lazy_gettext("urgent"),
    "important": lazy_gettext("important"),
    "estimate_minutes": lazy_gettext("estimate"),
}


def bdi(value: object) -> Markup:
    """Isolate a value that may be written left to right (a name, a time) inside a
    sentence that may be right to left."""
    return Markup("<bdi>{}</bdi>").format(value)


def field_labels(names: list[str]) -> str:
    # Translators: the separator of a list ("title, due time").
    separator = gettext(", ")
    return separator.join(str(FIELD_LABELS.get(n, n.replace("_", " "))) for n in names)


def _stage_title(item: object, key: str) -> str | None:
    from app.work.approvals import stage_title  # the approvals import the work services

    return stage_title(item, key)  # type: ignore[arg-type]


@bp.context_processor
def _helpers() -> dict:
    return {
        "STATE_LABELS": {state: state_label(state) for state in STATE_WORDS},
        "QUADRANT_LABELS": QUADRANT_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "bdi": bdi,
        "field_labels": field_labels,
        "history_body": history_body,
        "stage_title": _stage_title,
    }


def authorize(allowed: bool) -> None:
    """Refuse (403) what the policy does not allow."""
    if not allowed:
        raise Forbidden(gettext("Your role does not allow this."))


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
