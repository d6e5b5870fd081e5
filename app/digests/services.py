"""Write side of digests: pausing a client's digest and the agency's schedule. Services
take the actor, flush but never commit, and record an audit event."""

from __future__ import annotations

from app.audit.services import changed, record, snapshot
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Forbidden
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.digests.models import DigestPause, DigestSettings
from app.digests.policy import can_change_digest_schedule, can_pause_digest
from app.digests.queries import digest_pause, digest_settings
from app.extensions import db


def set_digest_paused(actor: Actor, client: Client, paused: bool) -> DigestPause:
    """Pause or resume a client's weekly digest (audited when it changes)."""
    if not can_pause_digest(actor):
        raise Forbidden(_("Only owners and managers pause digests."))
    pause = digest_pause(client)
    if pause is None:
        # Never paused: resuming changes nothing (and must not push this week's digest back).
        pause = DigestPause(agency_id=client.agency_id, client_id=client.id, paused=False)
        if not paused:
            return pause
        db.session.add(pause)
    elif pause.paused == paused:
        return pause
    pause.paused = paused
    pause.changed_at = utcnow()
    pause.changed_by_id = actor.user_id
    db.session.flush()
    record(
        actor,
        "client_digest.paused" if paused else "client_digest.resumed",
        client,
        summary=f"Weekly digest {'paused' if paused else 'resumed'} for {client.name}",
        before={"digest_paused": not paused},
        after={"digest_paused": paused},
    )
    return pause


def update_digest_schedule(actor: Actor, data: dict) -> DigestSettings:
    """Change the agency's digest weekday and time (owners)."""
    if not can_change_digest_schedule(actor):
        raise Forbidden(_("Only owners change the digest schedule."))
    row = digest_settings()
    if row is None:
        row = DigestSettings(agency_id=actor.agency_id)
        db.session.add(row)
        db.session.flush()
    fields = ("weekday", "send_time")
    before = snapshot(row, fields)
    for key in fields:
        setattr(row, key, data[key])
    db.session.flush()
    b, a = changed(before, snapshot(row, fields))
    if a:
        record(
            actor,
            "digest_settings.changed",
            row,
            summary="Digest schedule changed",
            before=b,
            after=a,
        )
    return row
