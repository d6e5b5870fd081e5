"""JSON API of agencies: read and change the agency's settings."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.agencies.schemas import AgencyOut, AgencySettingsIn
from app.agencies.services import update_agency_settings
from app.core.permissions import ALL_ROLES, roles
from app.core.uow import commit

blp = Blueprint(
    "agencies_api", __name__, url_prefix="/api/v1/<agency_slug>", description="The agency itself"
)


@blp.route("/agency")
class AgencyResource(MethodView):
    @roles(*ALL_ROLES)
    @blp.response(200, AgencyOut)
    def get(self, agency_slug: str):
        """The agency's settings."""
        return g.actor.agency

    @roles("owner")
    @blp.arguments(AgencySettingsIn(partial=True))
    @blp.response(200, AgencyOut)
    def patch(self, data: dict, agency_slug: str):
        """Change the agency's settings (owners)."""
        agency = update_agency_settings(g.actor, g.actor.agency, data)
        commit()
        return agency
