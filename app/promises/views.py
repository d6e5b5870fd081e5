"""HTML page of the response-time promise (owners and managers): the open clocks, most
urgent first, and each VA's median response and breaches of the last six months."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.capacity.holidays_cache import holidays_between
from app.capacity.schemas import MemberHoursForm, form_values
from app.core.clock import today_in, utcnow
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, authorize, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.promises.blueprint import bars, bp
from app.promises.hours import current_week, save_agency_hours
from app.promises.policy import can_edit_agency_hours, can_see_promises
from app.promises.queries import client_names, monthly_figures, open_clocks
from app.promises.services import business_week, used_seconds
from app.users.models import Membership, User


@bp.get("/<agency_slug>/promises")
@roles(*MANAGERS)
def list_clocks(agency_slug: str) -> ResponseReturnValue:
    """Open clocks and the figures per VA."""
    actor = g.actor
    authorize(can_see_promises(actor))
    now = utcnow()
    zone = actor.agency.time_zone or "UTC"
    week = business_week(actor.agency_id)
    clocks = open_clocks(actor)
    names = client_names({c.client_id for c in clocks})
    rows = [
        {
            "clock": c,
            "client": names.get(c.client_id, ""),
            "used_hours": used_seconds(c, now, week) / 3600,
        }
        for c in clocks
    ]
    vas = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == "va", Membership.status == "active")
        .order_by(sa.func.lower(User.name), Membership.id)
    ).all()
    today = today_in(zone)
    per_va = [
        {
            "id": mid,
            "name": name,
            "bars": bars(monthly_figures(zone, today, va_membership_id=mid), None),
        }
        for mid, name in vas
    ]
    return render_template("promises/open.html", rows=rows, per_va=per_va, zone=zone)


@bp.route("/<agency_slug>/settings/business-hours", methods=["GET", "POST"])
@roles("owner")
def business_hours(agency_slug: str) -> ResponseReturnValue:
    """The agency's business week and public holidays: what response clocks count."""
    authorize(can_edit_agency_hours(g.actor))
    schedule, country, subdivision, _saved = current_week()
    values = form_values(schedule, country=country or "", subdivision=subdivision or "")
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            save_agency_hours(g.actor, load_form(MemberHoursForm(), request.form))
            commit()
            flash(_("Business hours saved."), "success")
            return redirect(url_for("promises.business_hours", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    zone = g.actor.agency.time_zone or "UTC"
    today = today_in(zone)
    holidays = holidays_between(country, subdivision, today, today + dt.timedelta(days=365))
    return render_template(
        "promises/business_hours.html",
        values=values,
        errors=errors,
        zone=zone,
        country=country,
        holidays=holidays,
    ), (422 if errors else 200)
