"""HTML page of the response-time promise (owners and managers): the open clocks, most
urgent first, and each VA's median response and breaches of the last six months."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, render_template
from flask.typing import ResponseReturnValue

from app.core.clock import today_in, utcnow
from app.core.permissions import MANAGERS, authorize, roles
from app.extensions import db
from app.promises.blueprint import bars, bp
from app.promises.policy import can_see_promises
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
