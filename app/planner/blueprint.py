"""The week planner blueprint ("planner": every endpoint is planner.<view>) and the labels
other pages use to link to it (the navigation, the workload views)."""

from __future__ import annotations

from flask import Blueprint

from app.core.translation import lazy_gettext

bp = Blueprint("planner", __name__, template_folder="templates")


@bp.app_context_processor
def _nav() -> dict:
    """Labels of links to the planner on other pages (every page shows the menu)."""
    return {
        "PLANNER_NAV": {
            "nav": lazy_gettext("Planner"),
            "plan": lazy_gettext("Plan the week"),
            "planner_of": lazy_gettext("Open the week planner"),
        }
    }
