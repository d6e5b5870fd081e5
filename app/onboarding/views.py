"""HTML routes of onboarding: download a client's welcome packet and render it again.

Each view: load (404 when not visible) -> authorize (403) -> service -> commit once ->
redirect (the card lives on the client page).
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, url_for
from flask.typing import ResponseReturnValue

from app.clients.queries import get_client_or_404
from app.core import storage
from app.core.permissions import authorize, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.onboarding.blueprint import bp
from app.onboarding.policy import (
    MANAGERS,
    READERS,
    can_regenerate_packet,
    can_see_onboarding,
)
from app.onboarding.queries import client_run
from app.onboarding.services import regenerate_packet


def _back(agency_slug: str, client_id: int) -> str:
    return (
        url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id)
        + "#onboarding"
    )


def packet_response(data: bytes, sha256: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="welcome-packet.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"{sha256}"',
        },
    )


@bp.get("/<agency_slug>/clients/<int:client_id>/onboarding/packet.pdf")
@roles(*READERS)
def download_packet(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """The latest run's welcome packet (back to the client page while it is prepared)."""
    client = get_client_or_404(g.actor, client_id)
    authorize(can_see_onboarding(g.actor))
    run = client_run(client)
    if run is None or not run.packet_key:
        flash(_("The welcome packet is not ready yet."), "warning")
        return redirect(_back(agency_slug, client.id))
    return packet_response(storage.get(run.packet_key, run.packet_sha256), run.packet_sha256)


@bp.post("/<agency_slug>/clients/<int:client_id>/onboarding/packet")
@roles(*MANAGERS)
def regenerate(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """Render the welcome packet again (nobody is emailed again)."""
    client = get_client_or_404(g.actor, client_id)
    authorize(can_regenerate_packet(g.actor))
    run = client_run(client)
    if run is None:
        flash(_("This client has no onboarding yet."), "warning")
        return redirect(_back(agency_slug, client.id))
    regenerate_packet(g.actor, run)
    commit()
    flash(_("The welcome packet is being prepared again."), "success")
    return redirect(_back(agency_slug, client.id))
