"""The demo agency has three weeks of the VAs' time (on any day): nothing in the future, no
overlaps, days in each VA's zone, and one timer running for Priya, which her top bar shows."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import sqlalchemy as sa
import time_machine

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.tenancy import tenant
from app.demo import DEMO_SLUG, seed_demo_agency
from app.extensions import db
from app.time.models import TimeEntry


@pytest.mark.parametrize(
    "today",
    [
        dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC),  # a Monday after New Year
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # Europe leaves summer time
    ],
)
def test_the_demo_has_weeks_of_time(app, today):
    with time_machine.travel(today, tick=False):
        assert seed_demo_agency() is True
        agency = db.session.scalar(sa.select(Agency).where(Agency.slug == DEMO_SLUG))
        now = utcnow()
        with tenant(agency.id):
            entries = db.session.scalars(sa.select(TimeEntry).order_by(TimeEntry.id)).all()
        assert len({e.membership_id for e in entries}) == 2 and len(entries) >= 50
        assert max(e.entry_date for e in entries) - min(
            e.entry_date for e in entries
        ) >= dt.timedelta(days=17)
        running = [e for e in entries if e.running]
        assert len(running) == 1 and running[0].member.user.name == "Priya Nair"
        for e in entries:
            assert (e.ended_at or now) <= now and e.seconds(now) <= 16 * 3600
            if e.started_at:
                local = e.started_at.astimezone(zoneinfo.ZoneInfo(e.zone))
                assert local.date() == e.entry_date
        by_member: dict[int, list[TimeEntry]] = {}
        for e in entries:
            by_member.setdefault(e.membership_id, []).append(e)
        for own in by_member.values():
            # Clocked entries never overlap (durations, like the retainer's, have no times).
            spans = sorted((e.started_at, e.ended_at or now) for e in own if e.started_at)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
