"""Start an export (then watch its progress bar) and download it when ready."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, url_for

from app.core.errors import Conflict
from app.core.permissions import roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.exports.policy import can_download_export
from app.exports.queries import get_export_or_404
from app.exports.services import request_clients_export

bp = Blueprint("exports", __name__)


@bp.post("/<agency_slug>/exports/clients")
@roles("owner", "manager")
def export_clients(agency_slug: str):
    export = request_clients_export(g.actor)
    commit()
    return redirect(url_for("jobs.show_job", agency_slug=agency_slug, job_id=export.job_id))


@bp.get("/<agency_slug>/exports/<int:export_id>/download")
@roles("owner", "manager")
def download(agency_slug: str, export_id: int):
    export = get_export_or_404(g.actor, export_id)
    if not can_download_export(g.actor, export):
        raise Conflict(_("This export is not ready yet."))
    return Response(
        export.content or "",
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
