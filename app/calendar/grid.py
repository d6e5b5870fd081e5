"""Month and week grids of the calendar in the viewer's zone (plain values, no database).

A grid covers whole weeks starting on the agency's first weekday; its range in UTC runs
from local midnight of its first day to local midnight after its last day, so a
daylight-saving change inside it is counted right (the day is 23 or 25 hours long).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.calendar.registry import CalendarEvent, local_day

VIEWS = ("month", "week")


@dataclass
class Day:
    date: dt.date
    in_period: bool
    is_today: bool
    events: list[CalendarEvent] = field(default_factory=list)
    hidden: int = 0  # events of the day not shown (the view shows a few a day)


@dataclass
class Grid:
    view: str
    anchor: dt.date
    first: dt.date  # the first day shown
    last: dt.date  # the last day shown
    period_start: dt.date  # the month's (or week's) first day
    period_end: dt.date
    weeks: list[list[Day]]
    prev: dt.date
    next: dt.date

    @property
    def days(self) -> list[Day]:
        return [d for week in self.weeks for d in week]

    @property
    def agenda(self) -> list[Day]:
        """The days of the period that have events (the phone's list)."""
        return [d for d in self.days if d.in_period and (d.events or d.hidden)]


def local_midnight(day: dt.date, zone: str) -> dt.datetime:
    """Midnight at the start of `day` in `zone`, as an aware UTC datetime."""
    tz = zoneinfo.ZoneInfo(zone)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _add_month(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period(
    view: str, anchor: dt.date, first_weekday: int = 0
) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first day shown, last day shown, period start, period end) of the view around
    `anchor`: the whole weeks covering its month, or its week."""
    if view == "month":
        start = anchor.replace(day=1)
        end = _add_month(start, 1) - dt.timedelta(days=1)
    else:
        start = anchor - dt.timedelta(days=(anchor.weekday() - first_weekday) % 7)
        end = start + dt.timedelta(days=6)
    first = start - dt.timedelta(days=(start.weekday() - first_weekday) % 7)
    last = end + dt.timedelta(days=(first_weekday - end.weekday() - 1) % 7)
    return first, last, start, end


def utc_range(
    view: str, anchor: dt.date, zone: str, first_weekday: int = 0
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC range [start, end) the grid shows."""
    first, last, _, _ = period(view, anchor, first_weekday)
    return local_midnight(first, zone), local_midnight(last + dt.timedelta(days=1), zone)


def build_grid(
    view: str,
    anchor: dt.date,
    zone: str,
    today: dt.date,
    events: Iterable[CalendarEvent],
    first_weekday: int = 0,
    hidden: dict[dt.date, int] | None = None,
) -> Grid:
    """The view's days with their events; `hidden` says per day how many more events the
    day has than `events` holds."""
    first, last, start, end = period(view, anchor, first_weekday)
    by_day: dict[dt.date, list[CalendarEvent]] = defaultdict(list)
    for event in events:
        by_day[local_day(event, zone)].append(event)
    weeks: list[list[Day]] = []
    day = first
    while day <= last:
        week = []
        for _ in range(7):
            week.append(
                Day(
                    day,
                    start <= day <= end,
                    day == today,
                    by_day.get(day, []),
                    (hidden or {}).get(day, 0),
                )
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    if view == "month":
        prev, nxt = _add_month(start, -1), _add_month(start, 1)
    else:
        prev, nxt = start - dt.timedelta(days=7), start + dt.timedelta(days=7)
    return Grid(view, anchor, first, last, start, end, weeks, prev, nxt)
