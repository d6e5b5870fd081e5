"""HTML pages of clients."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.core.permissions import ALL_ROLES, roles

bp = Blueprint("clients", __name__, template_folder="templates")


@bp.get("/<agency_slug>/clients")
@roles(*ALL_ROLES)
def list_clients(agency_slug: str):
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501


@bp.get("/<agency_slug>/clients/new")
@roles("owner", "manager")
def new_client(agency_slug: str):
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501
