"""Figures for the agency dashboard, computed from the same visibility rules as the lists."""

from __future__ import annotations

import sqlalchemy as sa

from app.clients.models import CLIENT_STATUSES, Client
from app.clients.queries import visible_clients
from app.core.permissions import Actor
from app.extensions import db
from app.users.models import Membership


def dashboard_figures(actor: Actor) -> dict:
    """Clients by status and by time zone (for the viewer's visible clients), team by role."""
    visible = visible_clients(actor).where(Client.archived_at.is_(None)).subquery()
    by_status = dict(
        db.session.execute(
            sa.select(visible.c.status, sa.func.count()).group_by(visible.c.status)
        ).all()
    )
    zones = db.session.execute(
        sa.select(visible.c.time_zone, sa.func.count())
        .group_by(visible.c.time_zone)
        .order_by(sa.func.count().desc(), visible.c.time_zone)
        .limit(8)
    ).all()
    team: dict[str, int] = {}
    if actor.is_manager:
        team = dict(
            db.session.execute(
                sa.select(Membership.role, sa.func.count())
                .where(Membership.status == "active")
                .group_by(Membership.role)
            ).all()
        )
    return {
        "by_status": [(s, by_status.get(s, 0)) for s in CLIENT_STATUSES],
        "total_clients": sum(by_status.values()),
        "zones": [(z, n) for z, n in zones],
        "team": team,
    }
