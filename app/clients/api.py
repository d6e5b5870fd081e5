"""JSON API of clients, contacts and assignments."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "clients_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Clients, contact people and VA assignments",
)
