"""HTML pages of agencies: the agency chooser, each agency's dashboard and its settings."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from app.agencies.schemas import AgencySettingsIn
from app.agencies.services import update_agency_settings
from app.core.errors import ValidationFailed
from app.core.permissions import ALL_ROLES, public, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.users.services import active_memberships

bp = Blueprint("agencies", __name__, template_folder="templates")

# Client statuses as the dashboard names them (the stored values stay English).
CLIENT_STATUS_NAMES = {
    "prospect": lazy_gettext("Prospect"),
    "onboarding": lazy_gettext("Onboarding"),
    "active": lazy_gettext("Active"),
    "paused": lazy_gettext("Paused"),
    "ended": lazy_gettext("Ended"),
}


@bp.get("/")
@public
def home():
    """Signed-out visitors get the sign-in page; members go to their agency (or choose one)."""
    if not current_user.is_authenticated:
        return redirect(url_for("users.login"))
    memberships = active_memberships(current_user._get_current_object())
    if len(memberships) == 1:
        return redirect(url_for("agencies.dashboard", agency_slug=memberships[0].agency.slug))
    last = session.get("last_agency")
    if request.args.get("choose") is None and last in {m.agency.slug for m in memberships}:
        return redirect(url_for("agencies.dashboard", agency_slug=last))
    return render_template("agencies/choose.html", memberships=memberships)


@bp.get("/<agency_slug>/")
@roles(*ALL_ROLES)
def dashboard(agency_slug: str):
    from app.agencies.dashboard import dashboard_figures

    if g.actor.role == "client" and "portal.home" in current_app.view_functions:
        return redirect(url_for("portal.home", agency_slug=agency_slug))  # their own home

    figures = dashboard_figures(g.actor)
    return render_template(
        "agencies/dashboard.html",
        figures=figures,
        status_names=CLIENT_STATUS_NAMES,
        status_chart_labels=[str(CLIENT_STATUS_NAMES.get(s, s)) for s, _n in figures["by_status"]],
        **_overview(g.actor),
    )


def _overview(actor) -> dict:
    """Work, money and request figures of the domains built on the agency (each only for
    the roles that see it)."""
    from app.boards.overview import work_overview
    from app.core.cockpit import cockpit_tiles
    from app.core.money import page_money
    from app.payments.overview import money_overview
    from app.portal.work_requests import open_request_count

    return {
        "tiles": cockpit_tiles(actor),
        "work": work_overview(actor),
        "money": money_overview(actor),
        "open_requests": open_request_count(actor) if actor.is_manager else None,
        "format_money": page_money,
    }


@bp.route("/<agency_slug>/settings", methods=["GET", "POST"])
@roles("owner")
def settings(agency_slug: str):
    agency = g.actor.agency
    errors: dict = {}
    values = {
        k: getattr(agency, k)
        for k in (
            "name",
            "time_zone",
            "base_currency",
            "locale",
            "reply_to_email",
            "require_owner_2fa",
        )
    }
    if request.method == "POST":
        values = request.form.to_dict()
        values["require_owner_2fa"] = "require_owner_2fa" in request.form
        try:
            data = load_form(AgencySettingsIn(), request.form)
            update_agency_settings(g.actor, agency, data)
            commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("agencies.settings", agency_slug=agency.slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template("agencies/settings.html", values=values, errors=errors), (
        422 if errors else 200
    )
