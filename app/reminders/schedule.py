"""When a reminder step goes out: 09:00 in the client's time zone on a business day.

A step's date is the invoice's due date (a date in the client's zone) plus the step's
offset in days; a Saturday or Sunday moves to the following Monday. The send time is 09:00
local on that date, converted to UTC with zoneinfo, so daylight-saving changes between the
due date and the step never move it off 09:00 local. Pure functions: no database, no Flask.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

SEND_TIME = dt.time(9, 0)
SATURDAY = 5


@functools.cache
def zone_or_utc(name: str) -> zoneinfo.ZoneInfo:
    """The zone; UTC for a name the zone database does not know (zones are validated on
    input, so only a corrupted row gets here, and it must not stop the sweep)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo("UTC")


def business_day(day: dt.date) -> dt.date:
    """`day`, or the Monday after it when it falls on a weekend (Mon-Fri are business days)."""
    weekday = day.weekday()
    if weekday >= SATURDAY:
        return day + dt.timedelta(days=7 - weekday)
    return day


def step_date(due_date: dt.date, offset_days: int) -> dt.date:
    """The local date a step goes out: due date + offset, moved off the weekend."""
    return business_day(due_date + dt.timedelta(days=offset_days))


def local_send_time(due_date: dt.date, offset_days: int, zone: str) -> dt.datetime:
    """09:00 on the step's business day, as an aware datetime in `zone`."""
    return dt.datetime.combine(
        step_date(due_date, offset_days), SEND_TIME, tzinfo=zone_or_utc(zone)
    )


@functools.lru_cache(maxsize=65536)
def send_at(due_date: dt.date, offset_days: int, zone: str) -> dt.datetime:
    """The step's send time in UTC (what `ReminderSend.due_at` stores). Cached: a sweep
    asks for the same few dates, offsets and zones thousands of times."""
    return local_send_time(due_date, offset_days, zone).astimezone(dt.UTC)


def days_overdue(due_date: dt.date, on: dt.date) -> int:
    """Whole days past the due date on the local date `on` (0 before or on the due date)."""
    return max(0, (on - due_date).days)


def days_until_due(due_date: dt.date, on: dt.date) -> int:
    """Whole days until the due date from the local date `on` (0 on or after it)."""
    return max(0, (due_date - on).days)


def latest_due_step_date(now: dt.datetime) -> dt.date:
    """The latest local date whose 09:00 may already have passed somewhere on Earth at `now`.

    The furthest-ahead zones are UTC+14, so 09:00 on local date D happens at the earliest at
    19:00 UTC on D-1: any step date after UTC today + 1 cannot be due yet. The sweep's
    database query uses this bound; the exact time is checked per row with `send_at`.
    """
    return now.astimezone(dt.UTC).date() + dt.timedelta(days=1)
