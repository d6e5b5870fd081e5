"""The clients blueprint ("clients": every endpoint is clients.<view>), made here once, with
the labels and helpers its pages share. app.clients.views (clients, contacts, assignments)
and app.clients.package_views (service packages) add their routes to it; the app factory
imports both before registering it.
"""

from __future__ import annotations

from flask import Blueprint

from app.clients.models import (
    ASSIGNMENT_KINDS,
    CHANNELS,
    CLIENT_STATUSES,
    CONFIDENTIALITY_CLAUSES,
    MESSAGE_KINDS,
    PRICINGS,
)
from app.core.money import page_money
from app.core.translation import lazy_gettext

bp = Blueprint("clients", __name__, template_folder="templates")

# What the pages show for the values stored in the database (which stay English).
STATUS_LABELS = {
    "prospect": lazy_gettext("Prospect"),
    "onboarding": lazy_gettext("Onboarding"),
    "active": lazy_gettext("Active"),
    "paused": lazy_gettext("Paused"),
    "ended": lazy_gettext("Ended"),
}
CHANNEL_LABELS = {
    "email": lazy_gettext("Email"),
    "phone": lazy_gettext("Phone"),
    "sms": lazy_gettext("SMS"),
    "whatsapp": lazy_gettext("WhatsApp"),
    "slack": lazy_gettext("Slack"),
    "teams": lazy_gettext("Teams"),
    "portal": lazy_gettext("Portal"),
    "video_call": lazy_gettext("Video call"),
}
MESSAGE_KIND_LABELS = {
    "urgent": lazy_gettext("Urgent"),
    "routine": lazy_gettext("Routine"),
    "approvals": lazy_gettext("Approvals"),
    "reports": lazy_gettext("Reports"),
    "billing": lazy_gettext("Billing"),
}
KIND_LABELS = {"primary": lazy_gettext("Primary"), "backup": lazy_gettext("Backup")}
PRICING_LABELS = {
    "fixed": lazy_gettext("Fixed"),
    "hourly": lazy_gettext("Hourly"),
    "retainer": lazy_gettext("Retainer"),
}
CONFIDENTIALITY_LABELS = {
    "standard": lazy_gettext("Our standard confidentiality clause"),
    "mutual_nda": lazy_gettext("Mutual NDA"),
    "client_nda": lazy_gettext("The client's own NDA"),
    "none": lazy_gettext("None agreed"),
}


@bp.app_context_processor
def _contract_labels() -> dict:
    # The contract card is shown on the client page and in the portal (another blueprint).
    return {"CONFIDENTIALITY_LABELS": CONFIDENTIALITY_LABELS}


@bp.context_processor
def _helpers() -> dict:
    return {
        "money": page_money,
        "CLIENT_STATUSES": CLIENT_STATUSES,
        "CHANNELS": CHANNELS,
        "MESSAGE_KINDS": MESSAGE_KINDS,
        "ASSIGNMENT_KINDS": ASSIGNMENT_KINDS,
        "PRICINGS": PRICINGS,
        "STATUS_LABELS": STATUS_LABELS,
        "CHANNEL_LABELS": CHANNEL_LABELS,
        "MESSAGE_KIND_LABELS": MESSAGE_KIND_LABELS,
        "KIND_LABELS": KIND_LABELS,
        "PRICING_LABELS": PRICING_LABELS,
        "status_options": [(s, STATUS_LABELS[s]) for s in CLIENT_STATUSES],
        "channel_options": [(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        "kind_options": [(k, KIND_LABELS[k]) for k in ASSIGNMENT_KINDS],
        "pricing_options": [(p, PRICING_LABELS[p]) for p in PRICINGS],
        "confidentiality_options": [
            (c, CONFIDENTIALITY_LABELS[c]) for c in CONFIDENTIALITY_CLAUSES
        ],
    }
