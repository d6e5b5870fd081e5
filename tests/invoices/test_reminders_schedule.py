"""Reminder send times: 09:00 in the client's zone on a business day, across DST changes.

Every expectation is written out by hand in UTC (not computed with the code under test):
the Friday before and the Monday after each 2026 clock change, in both directions, in
America/New_York, Europe/Berlin and Australia/Sydney, and in zones without DST.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reminders.schedule import (
    business_day,
    days_overdue,
    days_until_due,
    latest_due_step_date,
    local_send_time,
    send_at,
    step_date,
)

pytestmark = pytest.mark.no_db


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


D = dt.date.fromisoformat

CASES = [
    # zone, due date, offset, expected UTC send time, what happens
    # New York: clocks spring forward on Sun 8 March 2026 (EST -5 -> EDT -4) ...
    ("America/New_York", "2026-03-06", 0, "2026-03-06T14:00", "Fri before: EST"),
    ("America/New_York", "2026-03-06", 3, "2026-03-09T13:00", "Mon after: EDT"),
    ("America/New_York", "2026-03-07", 0, "2026-03-09T13:00", "Sat due -> Mon, EDT"),
    # ... and fall back on Sun 1 November 2026 (EDT -> EST).
    ("America/New_York", "2026-10-30", 0, "2026-10-30T13:00", "Fri before: EDT"),
    ("America/New_York", "2026-10-23", 7, "2026-10-30T13:00", "7 days after, still EDT"),
    ("America/New_York", "2026-10-26", 7, "2026-11-02T14:00", "7 days after: EST"),
    # Berlin: Sun 29 March 2026 (CET +1 -> CEST +2), Sun 25 October 2026 back.
    ("Europe/Berlin", "2026-03-27", 0, "2026-03-27T08:00", "Fri before: CET"),
    ("Europe/Berlin", "2026-03-27", 3, "2026-03-30T07:00", "Mon after: CEST"),
    ("Europe/Berlin", "2026-10-23", 0, "2026-10-23T07:00", "Fri before: CEST"),
    ("Europe/Berlin", "2026-10-28", -3, "2026-10-26T08:00", "3 days before, Sun -> Mon, CET"),
    # Sydney: DST ends Sun 5 April 2026 (AEDT +11 -> AEST +10), starts Sun 4 October 2026.
    ("Australia/Sydney", "2026-04-03", 0, "2026-04-02T22:00", "Fri before: AEDT"),
    ("Australia/Sydney", "2026-04-03", 3, "2026-04-05T23:00", "Mon after: AEST"),
    ("Australia/Sydney", "2026-10-02", 0, "2026-10-01T23:00", "Fri before: AEST"),
    ("Australia/Sydney", "2026-10-02", 3, "2026-10-04T22:00", "Mon after: AEDT"),
    ("Australia/Sydney", "2026-10-03", 0, "2026-10-04T22:00", "Sat due -> Mon, AEDT"),
    # No DST at all: the same UTC time of day all year round.
    ("Asia/Kolkata", "2026-03-06", 3, "2026-03-09T03:30", "IST +5:30, Fri + 3 = Mon"),
    ("Asia/Kolkata", "2026-10-30", 0, "2026-10-30T03:30", "IST +5:30"),
    ("Asia/Tokyo", "2026-07-01", 30, "2026-07-31T00:00", "JST +9"),
    ("UTC", "2026-03-08", 0, "2026-03-09T09:00", "Sun -> Mon"),
    # A zone far ahead of UTC: 09:00 local is the evening before in UTC.
    ("Pacific/Kiritimati", "2026-06-02", 0, "2026-06-01T19:00", "UTC+14"),
]


@pytest.mark.parametrize(
    ("zone", "due", "offset", "expected", "why"),
    [pytest.param(*c, id=f"{c[0]} {c[1]}{c[2]:+d} ({c[4]})") for c in CASES],
)
def test_send_time_is_9am_local_on_a_business_day(zone, due, offset, expected, why):
    at = send_at(D(due), offset, zone)
    assert at == utc(expected), why
    assert at.tzinfo is dt.UTC
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    assert (local.hour, local.minute) == (9, 0)
    assert local.weekday() < 5


def test_weekend_dates_move_to_the_following_monday():
    assert business_day(D("2026-11-27")) == D("2026-11-27")  # Friday stays
    assert business_day(D("2026-11-28")) == D("2026-11-30")  # Saturday -> Monday
    assert business_day(D("2026-11-29")) == D("2026-11-30")  # Sunday -> Monday
    assert business_day(D("2026-11-30")) == D("2026-11-30")  # Monday stays
    # Offsets count calendar days from the due date, then the weekend rule applies.
    assert step_date(D("2026-12-01"), -3) == D("2026-11-30")  # Sat -> Mon
    assert step_date(D("2026-11-27"), 7) == D("2026-12-04")  # Fri + 7 = Fri
    assert step_date(D("2026-11-27"), 14) == D("2026-12-11")
    assert step_date(D("2026-12-31"), 30) == D("2027-02-01")  # Sat 30 Jan -> Mon 1 Feb


def test_local_send_time_keeps_the_zone():
    local = local_send_time(D("2026-03-06"), 3, "America/New_York")
    assert local.isoformat() == "2026-03-09T09:00:00-04:00"
    local = local_send_time(D("2026-03-06"), 0, "America/New_York")
    assert local.isoformat() == "2026-03-06T09:00:00-05:00"


def test_days_overdue_and_until_due():
    due = D("2026-11-16")
    assert days_overdue(due, D("2026-11-23")) == 7
    assert days_overdue(due, D("2026-11-13")) == 0
    assert days_until_due(due, D("2026-11-13")) == 3
    assert days_until_due(due, D("2026-11-23")) == 0


def test_the_query_bound_covers_the_zones_furthest_ahead():
    """At 19:00 UTC on 1 June it is already 09:00 on 2 June at UTC+14, so the bound the
    sweep's query uses must reach 2 June."""
    now = utc("2026-06-01T19:00")
    assert latest_due_step_date(now) == D("2026-06-02")
    assert send_at(D("2026-06-02"), 0, "Pacific/Kiritimati") <= now


ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata",
         "America/Sao_Paulo", "Africa/Cairo", "Pacific/Auckland", "America/St_Johns"]  # fmt: skip


@settings(deadline=None)  # a shared machine: loading a zone's data may take a while
@given(
    due=st.dates(min_value=D("2020-01-01"), max_value=D("2035-12-31")),
    offset=st.integers(min_value=-60, max_value=365),
    zone=st.sampled_from(ZONES),
)
def test_always_nine_local_on_a_weekday_and_never_before_the_step_date(due, offset, zone):
    at = send_at(due, offset, zone)
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    assert (local.hour, local.minute) == (9, 0)
    assert local.weekday() < 5
    day = due + dt.timedelta(days=offset)
    assert day <= local.date() <= day + dt.timedelta(days=2)


def test_an_unknown_zone_falls_back_to_utc_instead_of_failing():
    assert send_at(D("2026-11-16"), 0, "Mars/Olympus") == utc("2026-11-16T09:00")
