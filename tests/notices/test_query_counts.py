"""A daily summary reads and writes a fixed number of statements per person, however many
notices it lists (no statement per notice)."""

from __future__ import annotations

import datetime as dt

import time_machine

from app.core.tenancy import tenant
from app.extensions import db
from app.notices.models import HeldNotice
from app.notices.summary import send_daily_summaries
from tests.factories import AgencyFactory, MembershipFactory

SWEEP = dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC)


def _statements(count_queries, notices: int) -> int:
    agency = AgencyFactory(time_zone="UTC")
    person = MembershipFactory(agency=agency, role="va")
    person.user.time_zone = "UTC"
    with tenant(agency.id):
        for n in range(notices):
            db.session.add(
                HeldNotice(
                    agency_id=agency.id,
                    membership_id=person.id,
                    kind="work_assigned" if n % 2 else "overdue_work",
                    idempotency_key=f"work:q:{agency.id}:{n}",
                    subject=f"Notice {n}",
                    link=f"https://baton.test/w/{n}",
                    created_at=SWEEP - dt.timedelta(hours=3),
                )
            )
        db.session.flush()
    db.session.expire_all()
    with time_machine.travel(SWEEP, tick=False), count_queries() as statements:
        assert send_daily_summaries() == {"sent": 1}
    return len(statements)


def test_a_summary_of_3_or_30_notices_costs_the_same_statements(app, count_queries):
    few = _statements(count_queries, 3)
    many = _statements(count_queries, 30)
    assert few == many, (few, many)
    assert few <= 20
