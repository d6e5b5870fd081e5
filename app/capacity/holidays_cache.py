"""Public holidays from the `holidays` library, per (country, subdivision, year), cached in
the process (they never change while it runs)."""

from __future__ import annotations

import datetime as dt
import functools
from types import MappingProxyType

import holidays


@functools.cache
def supported() -> dict[str, tuple[str, ...]]:
    """Countries the library knows, with their subdivisions."""
    return {k: tuple(v) for k, v in holidays.list_supported_countries().items() if len(k) == 2}


def is_supported(country: str | None, subdivision: str | None = None) -> bool:
    if not country or country not in supported():
        return False
    return subdivision is None or subdivision in supported()[country]


@functools.lru_cache(maxsize=1024)
def holidays_of(
    country: str | None, subdivision: str | None, year: int
) -> MappingProxyType[dt.date, str]:
    """Date -> name of the public holidays of one year (empty for an unknown country)."""
    if not is_supported(country, subdivision):
        return MappingProxyType({})
    table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return MappingProxyType(dict(table.items()))


def holidays_between(
    country: str | None, subdivision: str | None, first: dt.date, last: dt.date
) -> dict[dt.date, str]:
    out: dict[dt.date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in holidays_of(country, subdivision, year).items():
            if first <= day <= last:
                out[day] = name
    return dict(sorted(out.items()))


def is_holiday(country: str | None, subdivision: str | None, day: dt.date) -> bool:
    return day in holidays_of(country, subdivision, day.year)
