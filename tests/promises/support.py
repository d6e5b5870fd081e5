"""Helpers of the promise tests: a desk in Paris with an 8-hour promise, actors, clocks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.promises.models import ResponseClock
from tests.work.support import Desk, make_desk

PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS).astimezone(dt.UTC)


def paris_desk() -> Desk:
    desk = make_desk(time_zone="Europe/Paris")
    with tenant(desk.agency.id):
        desk.client.response_time_hours = 8
        db.session.flush()
    return desk


def actor(member) -> Actor:
    return Actor(user=member.user, agency=member.agency, membership=member)


def clocks(agency_id: int) -> list[ResponseClock]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(ResponseClock)
                .where(ResponseClock.agency_id == agency_id)
                .order_by(ResponseClock.id)
                .execution_options(populate_existing=True)
            )
        )
