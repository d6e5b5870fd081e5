"""Business-time arithmetic of the promise: weekends, public holidays and DST changes in the
agency's zone (pure: no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.capacity.intervals import DEFAULT_SCHEDULE
from app.promises.business_time import BusinessWeek, add_business_seconds, business_seconds

pytestmark = pytest.mark.no_db

PARIS = ZoneInfo("Europe/Paris")
WEEK = BusinessWeek(DEFAULT_SCHEDULE, PARIS)  # Monday to Friday, 09:00-17:00
FRENCH = BusinessWeek(DEFAULT_SCHEDULE, PARIS, country="FR")
HOUR = 3600


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS).astimezone(dt.UTC)


def test_a_promise_runs_over_the_weekend_in_business_hours_only():
    friday_4pm = paris(2026, 11, 13, 16)
    assert add_business_seconds(WEEK, friday_4pm, 2 * HOUR) == paris(2026, 11, 16, 10)
    assert business_seconds(WEEK, friday_4pm, paris(2026, 11, 16, 10)) == 2 * HOUR
    # 24 business hours from Friday morning: Friday, Monday, Tuesday.
    assert add_business_seconds(WEEK, paris(2026, 11, 13, 9), 24 * HOUR) == paris(2026, 11, 17, 17)
    # Received on Saturday: the clock starts on Monday at nine.
    assert add_business_seconds(WEEK, paris(2026, 11, 14, 12), HOUR) == paris(2026, 11, 16, 10)


def test_a_public_holiday_of_the_agency_does_not_count():
    tuesday_4pm = paris(2026, 11, 10, 16)  # 11 November (Wednesday) is a holiday in France
    assert add_business_seconds(FRENCH, tuesday_4pm, 2 * HOUR) == paris(2026, 11, 12, 10)
    assert add_business_seconds(WEEK, tuesday_4pm, 2 * HOUR) == paris(2026, 11, 11, 10)
    assert business_seconds(FRENCH, tuesday_4pm, paris(2026, 11, 12, 10)) == 2 * HOUR


def test_the_dst_change_keeps_the_wall_clock_hours():
    # Friday 23 October 2026 16:00 CEST (UTC+2); clocks go back on Sunday 25 October.
    friday = paris(2026, 10, 23, 16)
    due = add_business_seconds(WEEK, friday, 2 * HOUR)
    assert due == paris(2026, 10, 26, 10) == dt.datetime(2026, 10, 26, 9, tzinfo=dt.UTC)
    assert business_seconds(WEEK, friday, due) == 2 * HOUR
    # Spring forward (29 March 2026): Friday 16:00 CET -> Monday 10:00 CEST = 08:00 UTC.
    assert add_business_seconds(WEEK, paris(2026, 3, 27, 16), 2 * HOUR) == dt.datetime(
        2026, 3, 30, 8, tzinfo=dt.UTC
    )


def test_nothing_counts_outside_hours_and_an_empty_week_has_no_due_time():
    assert business_seconds(WEEK, paris(2026, 11, 16, 18), paris(2026, 11, 17, 8)) == 0
    assert business_seconds(WEEK, paris(2026, 11, 17, 8), paris(2026, 11, 16, 18)) == 0
    empty = BusinessWeek(tuple(() for _ in range(7)), PARIS)
    assert add_business_seconds(empty, paris(2026, 11, 16, 9), HOUR) is None
