"""Set-up of the week planner tests (the clock is frozen on Wednesday 4 March 2026, 15:00
UTC: see tests.capacity.support)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.planner.models import TimeBlock
from tests.factories import WorkItemFactory

UTC = dt.UTC


def item(team, member=None, *, minutes=600, due=None, state="todo", client=None):
    return WorkItemFactory(
        client=client or team.client,
        assignee_id=(member or team.va).id,
        estimate_minutes=minutes,
        due_at=due or dt.datetime(2026, 3, 20, 17, tzinfo=UTC),
        state=state,
    )


def block(member, work_item, starts_at: dt.datetime, minutes: int = 60) -> TimeBlock:
    with tenant(member.agency_id):
        row = TimeBlock(
            membership_id=member.id,
            work_item_id=work_item.id,
            starts_at=starts_at,
            minutes=minutes,
        )
        db.session.add(row)
        db.session.flush()
        return row


def blocks_of(member) -> list[TimeBlock]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(TimeBlock)
                .where(TimeBlock.membership_id == member.id)
                .order_by(TimeBlock.starts_at)
                .execution_options(populate_existing=True)
            )
        )


def set_client_zone(client, zone: str) -> None:
    with tenant(client.agency_id):
        client.time_zone = zone
        db.session.flush()
