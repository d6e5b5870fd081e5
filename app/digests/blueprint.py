"""The digests blueprint ("digests": every endpoint is digests.<view>) and the client page's
"Weekly digest" card."""

from __future__ import annotations

from flask import Blueprint, g

from app.core.translation import lazy_gettext
from app.digests.policy import can_pause_digest, can_preview_digest

bp = Blueprint("digests", __name__, template_folder="templates")

WEEKDAYS = (
    lazy_gettext("Monday"),
    lazy_gettext("Tuesday"),
    lazy_gettext("Wednesday"),
    lazy_gettext("Thursday"),
    lazy_gettext("Friday"),
    lazy_gettext("Saturday"),
    lazy_gettext("Sunday"),
)


@bp.app_template_global()
def digest_card(client: object) -> dict | None:
    """The client page's card: paused or not, the last digests (owners, managers, VAs)."""
    from app.digests.queries import client_history, is_paused

    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_preview_digest(actor):
        return None
    return {
        "paused": is_paused(client),  # type: ignore[arg-type]
        "history": client_history(client),  # type: ignore[arg-type]
        "can_pause": can_pause_digest(actor),
    }
