"""The retainers' templates (no routes of their own: the pages are on the invoices
blueprint, the portal shows the burn-down): the plan form's bank fields, a bank's progress
bar and the month's burn-down chart, and the labels they share."""

from __future__ import annotations

from flask import Blueprint

from app.core.translation import lazy_gettext

bp = Blueprint("retainers", __name__, template_folder="templates")

ROLLOVER_LABELS = {
    "none": lazy_gettext("No rollover: unused hours lapse at the month's end"),
    "up_to_hours": lazy_gettext("Up to a number of hours roll over"),
    "expire_after_months": lazy_gettext("Unused hours expire after some months"),
}
OVERAGE_MODE_LABELS = {
    "next_invoice": lazy_gettext("As lines on the next retainer invoice"),
    "top_up": lazy_gettext("As a top-up invoice drafted when the month closes"),
}
