"""JSON API of the audit log (owners, read only: there is no way to change an event)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.audit.models import AuditEvent
from app.audit.policy import can_view_audit_log
from app.audit.queries import audit_event_query, get_audit_event_or_404
from app.audit.schemas import AuditEventOut, AuditFilterArgs, AuditPageOut
from app.core.errors import Forbidden
from app.core.pagination import paginate
from app.core.permissions import roles
from app.core.translation import gettext as _

blp = Blueprint("audit_api", __name__, url_prefix="/api/v1/<agency_slug>", description="Audit log")


@blp.route("/audit-events")
class AuditEvents(MethodView):
    @roles("owner")
    @blp.arguments(AuditFilterArgs, location="query")
    @blp.response(200, AuditPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Audit events, newest first; filter by action, entity type and id, who acted
        (`actor_id`, a user id) and a range of days in your time zone."""
        if not can_view_audit_log(g.actor):
            raise Forbidden(_("Only owners can read the audit log."))
        page = paginate(audit_event_query(g.actor, args), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/audit-events/<int:event_id>")
class AuditEventResource(MethodView):
    @roles("owner")
    @blp.response(200, AuditEventOut)
    def get(self, agency_slug: str, event_id: int) -> AuditEvent:
        """One audit event with its before/after values and the IP address it came from."""
        return get_audit_event_or_404(g.actor, event_id)
