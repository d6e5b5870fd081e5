"""Two daily-summary sweeps at once, each on its own thread and PostgreSQL connection, on
committed data: one summary email per person, every held notice in exactly one of them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.notices.models import HeldNotice
from app.notices.summary import send_daily_summaries
from tests.factories import AgencyFactory, MembershipFactory
from tests.helpers import committed_data, race

pytestmark = pytest.mark.no_db

SWEEP = dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC)  # 08:00 in UTC, the people's zone


@pytest.fixture
def committed(app):
    with committed_data(app) as real:
        yield real


def test_two_sweeps_racing_send_one_summary_per_person(committed):
    agency = AgencyFactory(time_zone="UTC")
    people = [MembershipFactory(agency=agency, role="va") for _ in range(3)]
    for person in people:
        person.user.time_zone = "UTC"
    with tenant(agency.id):
        for person, n in ((p, n) for p in people for n in range(4)):
            db.session.add(
                HeldNotice(
                    agency_id=agency.id,
                    membership_id=person.id,
                    kind="work_assigned",
                    idempotency_key=f"work:test:{person.id}:{n}",
                    subject=f"New work {n}",
                    created_at=SWEEP - dt.timedelta(hours=12),
                )
            )
        db.session.commit()

    def sweep(go) -> dict:
        with time_machine.travel(SWEEP, tick=False):
            go()
            return send_daily_summaries()

    results = race(committed, sweep)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["sent"] for r in results) == 3
    db.session.expire_all()
    with all_tenants():
        keys = db.session.scalars(
            sa.select(OutboundEmail.idempotency_key).where(
                OutboundEmail.idempotency_key.like("notice-summary:%")
            )
        ).all()
        marks = db.session.execute(
            sa.select(HeldNotice.membership_id, HeldNotice.summary_email_id)
        ).all()
    assert len(keys) == 3 == len(set(keys))
    assert all(email_id is not None for _, email_id in marks)
    # Each person's four notices went out in one email, theirs.
    by_person: dict[int, set] = {}
    for member_id, email_id in marks:
        by_person.setdefault(member_id, set()).add(email_id)
    assert all(len(ids) == 1 for ids in by_person.values()) and len(by_person) == 3
