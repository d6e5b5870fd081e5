"""Read side of clients: what each actor may see."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.clients.models import Assignment, Client
from app.core.permissions import Actor


def visible_clients(actor: Actor, today: dt.date | None = None) -> sa.Select:
    """Owners, managers and QA see every client; a VA sees clients with a current
    assignment; a client contact sees only their own client."""
    stmt = sa.select(Client)
    if actor.role in ("owner", "manager", "qa"):
        return stmt
    if actor.role == "va":
        today = today or dt.date.today()
        current = sa.select(Assignment.client_id).where(
            Assignment.membership_id == actor.membership.id,
            Assignment.starts_on <= today,
            sa.or_(Assignment.ends_on.is_(None), Assignment.ends_on > today),
        )
        return stmt.where(Client.id.in_(current))
    if actor.role == "client":
        return stmt.where(Client.id == actor.membership.client_id)
    return stmt.where(sa.false())
