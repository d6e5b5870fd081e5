"""Read side of the calendar: the live feed of a person, the feed of a token, and the
clients and people the viewer may filter by."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.calendar.models import CalendarFeed
from app.calendar.policy import CALENDAR_ROLES, can_filter_by_member
from app.clients.models import Client
from app.clients.queries import visible_clients
from app.core.permissions import Actor
from app.core.security import token_hash
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Membership, User


def live_feed(actor: Actor) -> CalendarFeed | None:
    """The actor's feed that still works, if any."""
    return db.session.scalar(
        sa.select(CalendarFeed).where(
            CalendarFeed.membership_id == actor.membership.id,
            CalendarFeed.revoked_at.is_(None),
        )
    )


def feed_for_token(raw: str) -> CalendarFeed | None:
    """The live feed of a secret token, in any agency (the URL carries no agency), with its
    person and agency loaded; None for an unknown, revoked or malformed token."""
    if not raw or len(raw) > 200:
        return None
    with all_tenants():
        return db.session.scalar(
            sa.select(CalendarFeed)
            .where(CalendarFeed.token_hash == token_hash(raw), CalendarFeed.revoked_at.is_(None))
            .options(
                joinedload(CalendarFeed.member).joinedload(Membership.user),
                joinedload(CalendarFeed.member).joinedload(Membership.agency),
            )
        )


CLIENT_CHOICES = 500  # the filter's list stays a usable size in a large agency


def client_choices(actor: Actor, chosen: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the clients the actor may filter by (the clients they see), the first
    500 by name, and the chosen one in any case."""
    ids = visible_clients(actor).with_only_columns(Client.id)
    stmt = sa.select(Client.id, Client.name).where(Client.id.in_(ids))
    if chosen is not None:
        first = stmt.order_by(Client.name, Client.id).limit(CLIENT_CHOICES).subquery()
        stmt = sa.select(Client.id, Client.name).where(
            sa.or_(Client.id.in_(sa.select(first.c.id)), Client.id == chosen),
            Client.id.in_(ids),
        )
    else:
        stmt = stmt.limit(CLIENT_CHOICES)
    rows = db.session.execute(stmt.order_by(Client.name, Client.id))
    return [(r.id, r.name) for r in rows]


def may_filter_client(actor: Actor, client_id: int) -> bool:
    """Whether the client is one the actor sees."""
    ids = visible_clients(actor).with_only_columns(Client.id)
    return bool(
        db.session.scalar(sa.select(sa.exists().where(Client.id == client_id, Client.id.in_(ids))))
    )


def member_choices(actor: Actor) -> list[tuple[int, str]]:
    """(membership id, name) of the people the actor may filter by: every active staff
    member for owners and managers, oneself for the others."""
    stmt = (
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(CALENDAR_ROLES), Membership.status == "active")
        .order_by(User.name, Membership.id)
    )
    if not can_filter_by_member(actor):
        stmt = stmt.where(Membership.id == actor.membership.id)
    return [(r.id, r.name) for r in db.session.execute(stmt)]


def feed_window(
    now: dt.datetime, days_back: int, days_ahead: int
) -> tuple[dt.datetime, dt.datetime]:
    return now - dt.timedelta(days=days_back), now + dt.timedelta(days=days_ahead)
