"""The payouts blueprint ("payouts": every endpoint is payouts.<view>) and the template
helpers of its pages."""

from __future__ import annotations

from flask import Blueprint

from app.core.money import page_money
from app.core.translation import lazy_gettext
from app.payouts.presenting import (
    ADJUSTMENT_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    PERIOD_LABELS,
    STATE_BADGES,
    STATE_LABELS,
)

bp = Blueprint("payouts", __name__, template_folder="templates")

WEEK_START_LABELS = {
    "monday": lazy_gettext("Monday"),
    "sunday": lazy_gettext("Sunday"),
    "saturday": lazy_gettext("Saturday"),
}


@bp.app_context_processor
def _nav() -> dict:
    """The navigation's labels of the payouts pages (every page shows the menu)."""
    return {"PAYOUT_NAV": {"all": lazy_gettext("Payouts"), "mine": lazy_gettext("My payouts")}}


@bp.context_processor
def _helpers() -> dict:
    return {
        "money": page_money,
        "PAYOUT_STATE_LABELS": STATE_LABELS,
        "PAYOUT_STATE_BADGES": STATE_BADGES,
        "PAYOUT_KIND_LABELS": KIND_LABELS,
        "PAYOUT_METHOD_LABELS": METHOD_LABELS,
        "PAYOUT_ADJUSTMENT_LABELS": ADJUSTMENT_LABELS,
        "PAYOUT_PERIOD_LABELS": PERIOD_LABELS,
    }
