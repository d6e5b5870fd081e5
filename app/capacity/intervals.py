"""Interval arithmetic of working hours, pure: no database, no Flask.

A schedule is seven tuples (Monday first) of local (start, end) minute pairs, minutes from
midnight (0..1440), at most two a day, sorted and apart. Local times become UTC instants
through zoneinfo day by day, so a 09:00-17:00 day is 09:00-17:00 on both sides of a DST
change (and its length in UTC follows the wall clock of that day).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]
DayIntervals = tuple[tuple[int, int], ...]
Schedule = tuple[DayIntervals, ...]

DAY_MINUTES = 1440
MAX_PER_DAY = 2
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SCHEDULE: Schedule = tuple(((540, 1020),) if d < 5 else () for d in range(7))


@functools.lru_cache(maxsize=256)
def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def schedule_problem(schedule: Iterable[Iterable[tuple[int, int]]]) -> str | None:
    """Why a schedule is not well formed (None when it is)."""
    days = [list(d) for d in schedule]
    if len(days) != 7:
        return "seven days"
    for day in days:
        if len(day) > MAX_PER_DAY:
            return "too many"
        previous_end = -1
        for start, end in day:
            if not (0 <= start < end <= DAY_MINUTES):
                return "order"
            if start < previous_end:
                return "overlap"
            previous_end = end
    return None


def as_schedule(raw: object) -> Schedule:
    """A stored schedule (JSON lists) as tuples; the default when missing or damaged."""
    try:
        days = tuple(tuple((int(s), int(e)) for s, e in day) for day in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return DEFAULT_SCHEDULE
    if schedule_problem(days) is not None:
        return DEFAULT_SCHEDULE
    return days


def to_json(schedule: Schedule) -> list[list[list[int]]]:
    return [[[s, e] for s, e in day] for day in schedule]


def weekly_minutes(schedule: Schedule) -> int:
    """Local wall-clock minutes of a week (no DST, no holidays)."""
    return sum(e - s for day in schedule for s, e in day)


def local_instant(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall-clock minute (1440 is the next midnight). A minute in
    a spring-forward gap resolves as zoneinfo does (fold=0: the offset before the change)."""
    if minute >= DAY_MINUTES:
        day, minute = day + dt.timedelta(days=1), minute - DAY_MINUTES
    local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    return local.astimezone(dt.UTC)


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged, without empty intervals."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    left, right = normalize(a), normalize(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    cuts = normalize(b)
    for start, end in normalize(a):
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_end <= cursor or cut_start >= end:
                continue
            if cut_start > cursor:
                out.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def clip(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return intersect(intervals, [(start, end)])


def total_minutes(intervals: Iterable[Interval]) -> int:
    return int(sum((e - s).total_seconds() for s, e in normalize(intervals)) // 60)


def day_intervals_utc(schedule: Schedule, zone: ZoneInfo, day: dt.date) -> list[Interval]:
    return [
        (local_instant(day, s, zone), local_instant(day, e, zone))
        for s, e in schedule[day.weekday()]
    ]


def day_minutes(schedule: Schedule, zone: ZoneInfo, day: dt.date) -> int:
    """Working minutes of one local day, as really elapsed (DST-correct)."""
    return total_minutes(day_intervals_utc(schedule, zone, day))


def schedule_intervals_utc(
    schedule: Schedule,
    zone: ZoneInfo,
    start_utc: dt.datetime,
    end_utc: dt.datetime,
    skip_day: Callable[[dt.date], bool] | None = None,
) -> list[Interval]:
    """The schedule's intervals between two UTC instants, days for which `skip_day` is true
    left out (holidays, days off)."""
    if end_utc <= start_utc:
        return []
    day = start_utc.astimezone(zone).date() - dt.timedelta(days=1)
    last = end_utc.astimezone(zone).date()
    out: list[Interval] = []
    while day <= last:
        if skip_day is None or not skip_day(day):
            out.extend(day_intervals_utc(schedule, zone, day))
        day += dt.timedelta(days=1)
    return clip(out, start_utc, end_utc)


def parse_hhmm(text: str) -> int:
    """'09:30' -> 570; '24:00' -> 1440. Raises ValueError."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > DAY_MINUTES:
        raise ValueError(text)
    return value


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
