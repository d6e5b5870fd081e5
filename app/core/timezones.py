"""Time zones: validation against the IANA database and display in a given zone."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from babel.dates import get_timezone_name

from app.core.clock import now_in
from app.core.formatting import format_datetime


@functools.cache
def all_time_zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def is_valid_zone(name: str | None) -> bool:
    return bool(name) and name in set(all_time_zones())


def to_zone(value: dt.datetime, zone: str) -> dt.datetime:
    return value.astimezone(zoneinfo.ZoneInfo(zone))


def short_in_zone(value: dt.datetime | None, zone: str, locale: str = "en") -> str:
    """A UTC datetime in `zone`, in Baton's one date-time format (app.core.formatting):
    'Fri 27 Nov, 09:00 EST'."""
    return format_datetime(value, zone, locale=locale)


def zone_label(zone: str, locale: str = "en") -> str:
    try:
        return get_timezone_name(zoneinfo.ZoneInfo(zone), locale=locale)
    except Exception:  # noqa: BLE001 - a label is cosmetic
        return zone


def now_in_zone(zone: str) -> dt.datetime:
    return now_in(zone)
