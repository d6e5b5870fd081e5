"""Time zones: validation against the IANA database, display in a given zone, and zone names
in the reader's language ("Egypt Time", "توقيت مصر", "heure de l’Égypte") for labels and the
time-zone pickers."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from babel.dates import get_timezone_name
from markupsafe import Markup

from app.core.clock import now_in
from app.core.formatting import babel_locale, format_datetime, reader_locale


@functools.cache
def all_time_zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def is_valid_zone(name: str | None) -> bool:
    return bool(name) and name in set(all_time_zones())


def to_zone(value: dt.datetime, zone: str) -> dt.datetime:
    return value.astimezone(zoneinfo.ZoneInfo(zone))


def short_in_zone(value: dt.datetime | None, zone: str, locale: str | None = None) -> str:
    """A UTC datetime in `zone`, in Baton's one date-time format (app.core.formatting):
    'Fri 27 Nov, 09:00 EST' (`locale` None: the reader's)."""
    return format_datetime(value, zone, locale=locale)


@functools.lru_cache(maxsize=4096)
def _zone_name(zone: str, locale: str) -> str:
    try:
        return get_timezone_name(zoneinfo.ZoneInfo(zone), locale=babel_locale(locale))
    except Exception:  # noqa: BLE001 - a label is cosmetic
        return zone


def zone_label(zone: str, locale: str | None = None) -> str:
    """`zone` named in `locale` (None: the reader's): 'Africa/Cairo' -> 'Egypt Time' (en),
    'توقيت مصر' (ar), 'heure de l’Égypte' (fr); the IANA name when it has no name."""
    return _zone_name(zone, reader_locale(locale))


@functools.lru_cache(maxsize=16)
def _datalist(locale: str) -> Markup:
    option = Markup('<option value="{}" label="{}">')
    options = Markup("").join(
        option.format(zone, f"{_zone_name(zone, locale)} ({zone})") for zone in all_time_zones()
    )
    return Markup('<datalist id="zones">{}</datalist>').format(options)


def zone_datalist(locale: str | None = None) -> Markup:
    """The <datalist id="zones"> behind the time-zone inputs: each IANA zone (the value
    stored) with its name in the reader's language as the label, built once per locale."""
    return _datalist(reader_locale(locale))


def now_in_zone(zone: str) -> dt.datetime:
    return now_in(zone)
