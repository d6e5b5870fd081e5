"""HTML page of the audit log (owners): who changed what, when, from where. Read only."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.audit.display import LONG_VALUE, action_label, entity_label, present_events
from app.audit.policy import can_view_audit_log
from app.audit.queries import audit_event_query, audit_filter_choices
from app.audit.schemas import AuditFilterArgs
from app.core.errors import Forbidden, ValidationFailed
from app.core.pagination import paginate
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.web import viewer_zone

bp = Blueprint("audit", __name__, template_folder="templates")

# Fields shown per event before the rest fold away (a created client records about twenty).
MAX_CHANGES = 4

FILTER_KEYS = (
    "action",
    "entity_type",
    "actor_id",
    "entity_id",
    "date_from",
    "date_to",
    "page",
    "per_page",
)


@bp.get("/<agency_slug>/audit")
@roles("owner")
def list_events(agency_slug: str) -> ResponseReturnValue:
    actor = g.actor
    if not can_view_audit_log(actor):
        raise Forbidden(_("Only owners can read the audit log."))
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in FILTER_KEYS])
    errors: dict = {}
    try:
        filters = load_form(AuditFilterArgs(), raw)
    except ValidationFailed as exc:
        errors = exc.errors
        filters = {"page": 1, "per_page": 25}
    page = paginate(audit_event_query(actor, filters), filters["page"], filters["per_page"])
    if errors:
        page.items, page.total = [], 0
    return render_template(
        "audit/list.html",
        page=page,
        filters=raw.to_dict(),
        args={k: v for k, v in raw.items() if k != "page" and v},
        errors=errors,
        choices=audit_filter_choices(actor),
        views=present_events(page.items, viewer_zone()),
        long_value=LONG_VALUE,
        max_changes=MAX_CHANGES,
        action_label=action_label,
        entity_label=entity_label,
    ), (422 if errors else 200)
