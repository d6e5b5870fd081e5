"""Set-up of the calendar tests: a team with every role, the VA on one client, work items
with due dates (the VA's, another VA's, one the QA reviewer reviews), an unpaid invoice,
and a frozen clock (Wednesday 11 March 2026, after New York's spring-forward of 8 March)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.clients.support import Team, make_team
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    InvoiceFactory,
    MembershipFactory,
    WorkItemFactory,
)

NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@dataclass
class CalTeam:
    team: Team
    other_va: object
    other_client: object
    va_item: object
    other_item: object
    qa_item: object
    overdue_item: object
    invoice: object

    def __getattr__(self, name: str):
        return getattr(self.team, name)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def make_cal_team(**agency_kw) -> CalTeam:
    team = make_team(**agency_kw)
    team.client.time_zone = "America/New_York"
    other_client = ClientFactory(agency=team.agency, name="Cedar Dental", time_zone="Europe/Paris")
    other_va = MembershipFactory(agency=team.agency, role="va")
    AssignmentFactory(client=team.client, membership=team.va)
    AssignmentFactory(client=other_client, membership=other_va)
    va_item = WorkItemFactory(
        client=team.client, title="Payroll run", assignee_id=team.va.id, due_at=at(12, 14)
    )
    other_item = WorkItemFactory(
        client=other_client, title="Recall letters", assignee_id=other_va.id, due_at=at(13, 9)
    )
    qa_item = WorkItemFactory(
        client=other_client,
        title="Quarterly review",
        assignee_id=other_va.id,
        reviewer_id=team.qa.id,
        due_at=at(16, 10),
    )
    overdue_item = WorkItemFactory(
        client=team.client,
        title="Late bookkeeping",
        assignee_id=team.va.id,
        due_at=at(9, 12),
        state="in_progress",
    )
    invoice = InvoiceFactory(
        client=team.client, issue_date=dt.date(2026, 3, 5), due_date=dt.date(2026, 3, 20)
    )
    return CalTeam(
        team, other_va, other_client, va_item, other_item, qa_item, overdue_item, invoice
    )
