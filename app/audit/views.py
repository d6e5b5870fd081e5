"""HTML pages of the audit log (owners)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.core.permissions import roles

bp = Blueprint("audit", __name__, template_folder="templates")


@bp.get("/<agency_slug>/audit")
@roles("owner")
def list_events(agency_slug: str):
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501
