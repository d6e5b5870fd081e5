"""The client portal's home: a client contact's own page in the agency's Baton.

What waits for their approval (each with a "Review" link to the item page, where they
approve or ask for changes), what the agency is working on for them, what was delivered, and
what they owe, per currency, with their latest invoices. Client contacts land here from the
dashboard; nobody else has a portal.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from app.core.money import format_money
from app.core.permissions import roles
from app.invoices.views import STATUS_LABELS
from app.portal.queries import portal_home

bp = Blueprint("portal", __name__, template_folder="templates")

CLIENT_STATE_LABELS = {
    "awaiting_client": "Waiting for you",
    "client_approved": "Approved by you",
    "client_changes": "Changes you asked for",
    "approved": "Passed our QA",
    "in_progress": "Being reworked",
    "changes_requested": "Being reworked",
    "submitted": "In our review",
    "in_review": "In our review",
    "todo": "Planned",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


@bp.get("/<agency_slug>/portal")
@roles("client")
def home(agency_slug: str) -> ResponseReturnValue:
    """The client contact's home: approvals, work in progress, deliveries, what is owed."""
    return render_template(
        "portal/home.html",
        home=portal_home(g.actor),
        money=format_money,
        STATUS_LABELS=STATUS_LABELS,
        STATE_LABELS=CLIENT_STATE_LABELS,
    )
