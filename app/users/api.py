"""JSON API of the users domain: members and invitations."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "users_api", __name__, url_prefix="/api/v1/<agency_slug>", description="Members and invitations"
)
