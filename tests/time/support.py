"""Set-up of the time tests: a team (tests.clients.support) whose VA is assigned to the
client, a work item of that client and one of another client, a frozen clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.time.models import Activity, TimeEntry
from tests.clients.support import Team, make_team
from tests.factories import AssignmentFactory, ClientFactory, WorkItemFactory

# Wednesday 11 March 2026, 15:00 UTC: after New York's spring-forward night (8 March).
NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@dataclass
class TimeTeam:
    team: Team
    client_id: int
    other_client_id: int
    work_item_id: int
    other_work_item_id: int
    activity_id: int

    def __getattr__(self, name: str):
        return getattr(self.team, name)


def make_time_team(va_zone: str = "UTC") -> TimeTeam:
    team = make_team()
    other = ClientFactory(agency=team.agency, name="Cedar Dental", time_zone="Europe/Paris")
    AssignmentFactory(client=team.client, membership=team.va)
    AssignmentFactory(client=other, membership=team.va, kind="backup")
    item = WorkItemFactory(client=team.client, title="Weekly bookkeeping")
    other_item = WorkItemFactory(client=other, title="Recall letters")
    team.va.user.time_zone = va_zone
    activity_id = db.session.scalar(
        sa.select(Activity.id)
        .where(Activity.agency_id == team.agency.id, Activity.name == "Admin")
        .execution_options(skip_tenant_scope=True)
    )
    db.session.flush()
    return TimeTeam(team, team.client.id, other.id, item.id, other_item.id, activity_id)


def entries_of(membership_id: int) -> list[TimeEntry]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(TimeEntry)
                .where(TimeEntry.membership_id == membership_id)
                .order_by(TimeEntry.id)
                .execution_options(populate_existing=True)
            )
        )
