"""JSON API of digests: a client's digest preview and history, and its pause switch. The
same rules and roles as the pages (owners and managers; a VA assigned to the client may
preview and read the history)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.queries import get_client_or_404
from app.core.clock import utcnow
from app.core.permissions import authorize, loads, roles
from app.core.uow import commit
from app.digests.figures import preview_digest
from app.digests.policy import MANAGERS, READERS, can_pause_digest, can_preview_digest
from app.digests.queries import client_history, is_paused
from app.digests.schemas import DigestHistoryOut, DigestPausedOut, DigestPreviewOut, PausedIn
from app.digests.services import set_digest_paused

blp = Blueprint(
    "digests_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Weekly client digests: preview, history, pause",
)


@blp.route("/clients/<int:client_id>/digest/preview")
class PreviewResource(MethodView):
    @roles(*READERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, DigestPreviewOut)
    def get(self, agency_slug: str, client) -> dict:
        """What the client's digest would say if it were sent now."""
        authorize(can_preview_digest(g.actor))
        snapshot, contacts, rendered = preview_digest(client, g.actor.agency, utcnow())
        return {
            "paused": is_paused(client),
            "recipients": [c.email for c in contacts],
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "snapshot": snapshot,
        }


@blp.route("/clients/<int:client_id>/digests")
class HistoryResource(MethodView):
    @roles(*READERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, DigestHistoryOut)
    def get(self, agency_slug: str, client) -> dict:
        """The client's last digests, newest week first, with their figures."""
        authorize(can_preview_digest(g.actor))
        return {"paused": is_paused(client), "items": client_history(client)}


@blp.route("/clients/<int:client_id>/digest/paused")
class PausedResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(PausedIn)
    @blp.response(200, DigestPausedOut)
    def put(self, data: dict, agency_slug: str, client) -> dict:
        """Pause (`true`) or resume (`false`) the client's weekly digest."""
        authorize(can_pause_digest(g.actor))
        set_digest_paused(g.actor, client, data["paused"])
        commit()
        return {"client_id": client.id, "paused": data["paused"]}
