"""The surveys blueprint ("surveys": every endpoint is surveys.<view>) and its labels."""

from __future__ import annotations

from flask import Blueprint

from app.core.translation import lazy_gettext

bp = Blueprint("surveys", __name__, template_folder="templates")

KIND_LABELS = {
    "csat": lazy_gettext("Satisfaction (CSAT)"),
    "nps": lazy_gettext("Recommendation (NPS)"),
}
SOURCE_LABELS = {
    "approver": lazy_gettext("the contact who approved the work"),
    "contacts": lazy_gettext("the client's contacts"),
}
STATE_LABELS = {
    "open": lazy_gettext("Waiting for an answer"),
    "changeable": lazy_gettext("Answered (can still be changed)"),
    "final": lazy_gettext("Answered"),
    "expired": lazy_gettext("Expired"),
}


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "SURVEY_KINDS": KIND_LABELS,
        "SURVEY_SOURCES": SOURCE_LABELS,
        "SURVEY_STATES": STATE_LABELS,
    }
