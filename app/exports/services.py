"""Write side of exports: ask for one (the job is written in the same transaction)."""

from __future__ import annotations

from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Forbidden
from app.core.jobs import enqueue_job
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.exports.models import Export
from app.exports.policy import can_export_clients
from app.extensions import db


def request_clients_export(actor: Actor) -> Export:
    if not can_export_clients(actor):
        raise Forbidden(_("Only owners and managers can export clients."))
    export = Export(
        kind="clients_csv",
        requested_by_id=actor.user_id,
        filename=f"clients-{actor.agency.slug}-{utcnow():%Y%m%d-%H%M}.csv",
    )
    db.session.add(export)
    db.session.flush()
    job = enqueue_job(
        db.session,
        "app.exports.jobs.build_clients_csv",
        label="Export clients to CSV",
        agency_id=actor.agency_id,
        export_id=export.id,
    )
    db.session.flush()
    export.job_id = job.id
    record(actor, "export.requested", export, summary="Clients export requested")
    return export
