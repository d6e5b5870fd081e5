"""Time logged outside working hours: overlapping entries count once, a running entry counts
up to now, an entry without a start time is left out, holidays and whole days off are
outside, each person in their own zone across a DST change; and the SQL way (PostgreSQL's
multiranges) gives the same minutes as the way the embedded SQLite default takes."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from app.capacity.outside_hours import outside_minutes
from app.core.tenancy import tenant
from app.extensions import db
from app.time.models import TimeEntry
from tests.capacity.support import NIGHT_SHIFT, NOW, add_time_off, set_hours
from tests.factories import MembershipFactory

UTC = dt.UTC
SINCE = NOW - dt.timedelta(days=14)


def _entry(team, member, start, *, end=None) -> None:
    with tenant(team.agency.id):
        db.session.add(
            TimeEntry(
                membership_id=member.id,
                client_id=team.client.id,
                entry_date=start.date(),
                started_at=start,
                ended_at=end,
                duration_seconds=int((end - start).total_seconds()) if end else None,
                billable=True,
                zone="UTC",
            )
        )
        db.session.flush()


def _both(team, ids, since=SINCE) -> tuple[dict[int, int], dict[int, int]]:
    with tenant(team.agency.id):
        return (
            outside_minutes(ids, since, NOW, in_sql=True),
            outside_minutes(ids, since, NOW, in_sql=False),
        )


def test_overlaps_running_entries_and_durations(team):
    set_hours(team.va, zone="Asia/Manila")  # 09:00-17:00 Manila = 01:00-09:00 UTC, Mon-Fri
    tuesday = dt.datetime(2026, 3, 3, tzinfo=UTC)
    # 08:00-11:00 and 10:00-12:00 UTC overlap: 08:00-12:00, of which 09:00-12:00 is outside
    _entry(team, team.va, tuesday.replace(hour=8), end=tuesday.replace(hour=11))
    _entry(team, team.va, tuesday.replace(hour=10), end=tuesday.replace(hour=12))
    # 20:00-21:30 UTC: all outside
    _entry(team, team.va, tuesday.replace(hour=20), end=tuesday.replace(hour=21, minute=30))
    # a duration without a start time is not counted
    with tenant(team.agency.id):
        db.session.add(
            TimeEntry(
                membership_id=team.va.id,
                client_id=team.client.id,
                entry_date=tuesday.date(),
                duration_seconds=5 * 3600,
                billable=True,
                zone="UTC",
            )
        )
        db.session.flush()
    # running since 14:00 UTC on the day of NOW (15:00): an hour, outside
    _entry(team, team.va, NOW - dt.timedelta(hours=1))
    sql, python = _both(team, [team.va.id])
    assert sql == python == {team.va.id: 180 + 90 + 60}


def test_holidays_and_days_off_are_outside(team):
    set_hours(team.va, zone="America/New_York", country="US")
    set_hours(team.qa, zone="America/New_York")
    # 16 Feb 2026 is Presidents' Day in the US: the VA's working day is outside, the QA's not
    for member in (team.va, team.qa):
        start = dt.datetime(2026, 2, 16, 15, tzinfo=UTC)
        _entry(team, member, start, end=start + dt.timedelta(hours=2))
    add_time_off(team.qa, dt.date(2026, 2, 24))  # a whole day off
    add_time_off(team.qa, dt.date(2026, 2, 25), minutes=120)  # two hours off: still a workday
    for day in (24, 25):
        start = dt.datetime(2026, 2, day, 15, tzinfo=UTC)
        _entry(team, team.qa, start, end=start + dt.timedelta(hours=1))
    sql, python = _both(team, [team.va.id, team.qa.id], dt.datetime(2026, 2, 14, tzinfo=UTC))
    assert sql == python == {team.va.id: 120, team.qa.id: 60}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_and_python_agree_on_a_busy_fortnight(team, seed):
    rng = random.Random(seed)
    people = [MembershipFactory(agency=team.agency, role="va") for _ in range(4)]
    zones = ["America/New_York", "Europe/Paris", "Asia/Manila", "Australia/Sydney"]
    for member, zone in zip(people, zones, strict=True):
        set_hours(member, NIGHT_SHIFT if zone == "Asia/Manila" else None, zone=zone)
    add_time_off(people[1], dt.date(2026, 2, 26), dt.date(2026, 2, 27))
    for n, member in enumerate(people):
        for _ in range(25):
            start = SINCE - dt.timedelta(hours=6) + dt.timedelta(minutes=rng.randrange(15 * 1440))
            _entry(team, member, start, end=start + dt.timedelta(minutes=rng.randrange(5, 400)))
        if n % 2:  # running for the last few hours
            _entry(team, member, NOW - dt.timedelta(minutes=rng.randrange(10, 600)))
    ids = [m.id for m in people] + [team.manager.id]
    sql, python = _both(team, ids)
    assert sql == python
    assert sum(sql.values()) > 0 and sql[team.manager.id] == 0
