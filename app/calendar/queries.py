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


def client_choices(actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the clients the actor may filter by: the clients they see."""
    ids = visible_clients(actor).with_only_columns(Client.id)
    rows = db.session.execute(
        sa.select(Client.id, Client.name).where(Client.id.in_(ids)).order_by(Client.name, Client.id)
    )
    return [(r.id, r.name) for r in rows]


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
