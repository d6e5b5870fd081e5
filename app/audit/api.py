"""JSON API of the audit log (read only)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("audit_api", __name__, url_prefix="/api/v1/<agency_slug>", description="Audit log")
