"""Interval arithmetic of working hours (pure, property-tested with hypothesis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.capacity.intervals import (
    DEFAULT_SCHEDULE,
    day_minutes,
    intersect,
    normalize,
    schedule_intervals_utc,
    schedule_problem,
    subtract,
    total_minutes,
    weekly_minutes,
)

ZONES = ("UTC", "America/New_York", "Asia/Manila", "Europe/Paris", "Australia/Sydney")


def at(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


BASE = at(1, 1)


@st.composite
def day_intervals(draw):
    count = draw(st.integers(0, 2))
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    return tuple((points[i] * 15, points[i + 1] * 15) for i in range(0, len(points), 2))


schedules = st.tuples(*[day_intervals() for _ in range(7)])


@st.composite
def utc_intervals(draw):
    out = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, 60 * 24 * 14))
        length = draw(st.integers(0, 60 * 30))
        out.append(
            (BASE + dt.timedelta(minutes=start), BASE + dt.timedelta(minutes=start + length))
        )
    return out


def _minutes_set(intervals) -> set[int]:
    return {
        int((s - BASE).total_seconds() // 60) + m
        for s, e in intervals
        for m in range(int((e - s).total_seconds() // 60))
    }


@settings(deadline=None)
@given(utc_intervals(), utc_intervals())
def test_intersect_and_subtract_match_set_arithmetic(a, b):
    assert _minutes_set(intersect(a, b)) == _minutes_set(a) & _minutes_set(b)
    assert _minutes_set(subtract(a, b)) == _minutes_set(a) - _minutes_set(b)
    assert total_minutes(subtract(a, b)) + total_minutes(intersect(a, b)) == total_minutes(a)


@settings(deadline=None)
@given(utc_intervals())
def test_normalize_is_sorted_disjoint_and_keeps_the_time(a):
    merged = normalize(a)
    assert all(s < e for s, e in merged)
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))
    assert _minutes_set(merged) == _minutes_set(a)


@settings(max_examples=60, deadline=None)
@given(schedules, st.sampled_from(ZONES), st.integers(0, 364))
def test_a_week_never_exceeds_its_hours_by_more_than_a_dst_hour(schedule, zone, offset):
    assert schedule_problem(schedule) is None
    tz = ZoneInfo(zone)
    monday = dt.date(2026, 1, 5) + dt.timedelta(days=offset)
    monday -= dt.timedelta(days=monday.weekday())
    total = sum(day_minutes(schedule, tz, monday + dt.timedelta(days=d)) for d in range(7))
    assert 0 <= total <= weekly_minutes(schedule) + 60
    assert total >= weekly_minutes(schedule) - 60


@settings(max_examples=40, deadline=None)
@given(schedules, st.sampled_from(ZONES), st.integers(0, 300))
def test_intervals_between_two_instants_stay_inside_them(schedule, zone, offset):
    tz = ZoneInfo(zone)
    start = BASE + dt.timedelta(days=offset, hours=offset % 24)
    end = start + dt.timedelta(days=3, minutes=offset)
    got = schedule_intervals_utc(schedule, tz, start, end)
    assert all(start <= s < e <= end for s, e in got)
    skipped = schedule_intervals_utc(schedule, tz, start, end, skip_day=lambda day: True)
    assert skipped == []


def test_dst_weeks_keep_local_hours():
    """09:00-17:00 stays 09:00-17:00 local in New York on both sides of 8 March 2026."""
    ny = ZoneInfo("America/New_York")
    before = schedule_intervals_utc(
        DEFAULT_SCHEDULE,
        ny,
        at(3, 6),
        at(3, 7),
    )
    after = schedule_intervals_utc(
        DEFAULT_SCHEDULE,
        ny,
        at(3, 9),
        at(3, 10),
    )
    assert before == [(at(3, 6, 14), at(3, 6, 22))]
    assert after == [(at(3, 9, 13), at(3, 9, 21))]
    # A night shift over the spring-forward hour is an hour shorter that night.
    night = (((0, 300),),) * 7
    assert day_minutes(night, ny, dt.date(2026, 3, 8)) == 240
    assert day_minutes(night, ny, dt.date(2026, 11, 1)) == 360


def test_schedule_problems_are_named():
    assert schedule_problem(DEFAULT_SCHEDULE) is None
    assert schedule_problem([[(600, 540)]] + [[]] * 6) == "order"
    assert schedule_problem([[(540, 720), (700, 800)]] + [[]] * 6) == "overlap"
    assert schedule_problem([[(1, 2), (3, 4), (5, 6)]] + [[]] * 6) == "too many"
    assert schedule_problem([[]] * 6) == "seven days"
