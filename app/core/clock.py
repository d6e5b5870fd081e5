"""The one clock: every piece of application code asks here for "now" and "today".

Business rules take `now` as a parameter where they can (the reminder sweep, receivables,
numbering) and fall back to `utcnow()`; nothing else reads the system clock. Tests move this
clock with time-machine (which moves Python's clock, not PostgreSQL's `now()`), so compare
against times the application wrote, never against database defaults.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime (Baton never stores naive datetimes)."""
    return dt.datetime.now(dt.UTC)


def now_in(zone: str | None) -> dt.datetime:
    """The current time in the IANA zone `zone` (UTC when none is given)."""
    return utcnow().astimezone(zoneinfo.ZoneInfo(zone or "UTC"))


def today_in(zone: str | None, now: dt.datetime | None = None) -> dt.date:
    """Today's date in `zone` at `now` (default: the current time)."""
    return (now or utcnow()).astimezone(zoneinfo.ZoneInfo(zone or "UTC")).date()


def timestamp() -> int:
    """Seconds since the epoch, for heartbeats and short-lived markers in sessions."""
    return int(time.time())
