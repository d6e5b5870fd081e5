"""Business-time arithmetic of the promise, pure: no database, no Flask.

A `BusinessWeek` is the agency's schedule in its zone with its public holidays; time counts
only inside its working intervals (app.capacity.intervals, so DST days are as long as the
wall clock says). Seconds are whole: a clock never reports a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.capacity.holidays_cache import is_holiday
from app.capacity.intervals import Schedule, normalize, schedule_intervals_utc, weekly_minutes

# How far ahead a due time is looked for, in chunks: a promise longer than a year of
# business time is not a promise.
CHUNK = dt.timedelta(days=28)
HORIZON_CHUNKS = 14


@dataclass(frozen=True)
class BusinessWeek:
    schedule: Schedule
    zone: ZoneInfo
    country: str | None = None
    subdivision: str | None = None

    def skip_day(self, day: dt.date) -> bool:
        return is_holiday(self.country, self.subdivision, day)

    def intervals(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        return normalize(
            schedule_intervals_utc(self.schedule, self.zone, start, end, self.skip_day)
        )


def business_seconds(week: BusinessWeek, start: dt.datetime, end: dt.datetime) -> int:
    """Business seconds between two instants (0 when `end` is not after `start`)."""
    return int(sum((e - s).total_seconds() for s, e in week.intervals(start, end)))


def add_business_seconds(
    week: BusinessWeek, start: dt.datetime, seconds: int
) -> dt.datetime | None:
    """The instant `seconds` of business time after `start` (None for a week with no hours,
    or beyond the horizon). Zero seconds from outside hours is `start` itself."""
    if seconds <= 0:
        return start
    if weekly_minutes(week.schedule) == 0:
        return None
    left = float(seconds)
    cursor = start
    for _ in range(HORIZON_CHUNKS):
        chunk_end = cursor + CHUNK
        for s, e in week.intervals(cursor, chunk_end):
            length = (e - s).total_seconds()
            if length >= left:
                return s + dt.timedelta(seconds=left)
            left -= length
        cursor = chunk_end
    return None
