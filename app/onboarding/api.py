"""JSON API of onboarding: a client's run with its steps, and rendering its packet again.
The same rules and roles as the pages (owners and managers; a VA assigned to the client may
read the run)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.queries import get_client_or_404
from app.core.errors import Conflict
from app.core.permissions import authorize, loads, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.onboarding.policy import MANAGERS, READERS, can_regenerate_packet, can_see_onboarding
from app.onboarding.presenting import run_values
from app.onboarding.queries import client_run
from app.onboarding.schemas import ClientOnboardingOut, PacketQueuedOut
from app.onboarding.services import regenerate_packet

blp = Blueprint(
    "onboarding_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Client onboarding: the run's steps and the welcome packet",
)


@blp.route("/clients/<int:client_id>/onboarding")
class RunResource(MethodView):
    @roles(*READERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, ClientOnboardingOut)
    def get(self, agency_slug: str, client) -> dict:
        """The run of the client's latest engagement (null before any) and its steps."""
        authorize(can_see_onboarding(g.actor))
        run = client_run(client)
        return {"client_id": client.id, "run": run_values(run) if run else None}


@blp.route("/clients/<int:client_id>/onboarding/packet")
class PacketResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(202, PacketQueuedOut)
    def post(self, agency_slug: str, client) -> dict:
        """Render the welcome packet again (nobody is emailed again)."""
        authorize(can_regenerate_packet(g.actor))
        run = client_run(client)
        if run is None:
            raise Conflict(_("This client has no onboarding yet."))
        regenerate_packet(g.actor, run)
        commit()
        return {"run_id": run.id, "queued": True}
