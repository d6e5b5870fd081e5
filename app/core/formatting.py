"""How Baton writes durations, dates, times and role names for people: one format per kind.

Pages, emails and jobs all format through here (the Jinja filters in app.core.web call
these functions), so an estimate reads "14 h 20 min" on the work item, in the SOP library
and in an email alike, and a date reads "27 Nov 2026" wherever it appears:

- duration: `format_duration(860)` -> "14 h 20 min"
- date: `format_day(date(2026, 11, 27))` -> "27 Nov 2026"
- date-time: `format_datetime(utc, "America/New_York")` -> "Fri 27 Nov, 09:00 EST"
- relative: `format_relative(then, now)` -> "3 days ago" / "in 2 hours"
- role: `role_label("qa")` -> "QA reviewer"
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask_babel import gettext, ngettext

from app.core.catalogues import N_
from app.core.clock import utcnow

ROLE_LABELS = {
    "owner": N_("Owner"),
    "manager": N_("Manager"),
    "va": N_("VA"),
    "qa": N_("QA reviewer"),
    "client": N_("Client contact"),
}

DAY_PATTERN = "d MMM y"  # 27 Nov 2026: no month/day order to misread in any country
_DATETIME_PATTERN = "EEE d MMM, HH:mm"


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def format_duration(minutes: int | float | None, empty: str = "—") -> str:
    """Minutes of work as people say them: 45 -> "45 min", 150 -> "2 h 30 min", 120 -> "2 h".
    Estimates stay in hours past a day (a 40 h estimate is not "1 d 16 h" of work)."""
    if minutes is None:
        return empty
    minutes = max(0, int(round(minutes)))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)d min", minutes=rest)
    if rest:
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    return gettext("%(hours)d h", hours=hours)


def format_day(value: dt.date | dt.datetime | None, locale: str = "en") -> str:
    """A calendar date: "27 Nov 2026" (a datetime is taken as its date as stored)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return babel_format_date(value, DAY_PATTERN, locale=locale)


def format_datetime(value: dt.datetime | None, zone: str, locale: str = "en") -> str:
    """A UTC time in `zone` with the zone's abbreviation: "Fri 27 Nov, 09:00 EST"."""
    if value is None:
        return ""
    local = value.astimezone(_zone(zone))
    return f"{babel_format_datetime(local, _DATETIME_PATTERN, locale=locale)} {local.tzname()}"


def format_datetime_fast(value: dt.datetime | None, zone: str) -> str:
    """`format_datetime` in English made with strftime, for pages that show hundreds of
    times (a board): Babel costs about 0.1 ms a call."""
    if value is None:
        return ""
    local = value.astimezone(_zone(zone))
    return local.strftime(f"%a {local.day} %b, %H:%M %Z")


def _amount(seconds: int) -> str:
    if seconds >= 86400:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return ""


def format_relative(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago (or how soon) `value` is: "3 days ago", "in 5 hours", "just now"."""
    if value is None:
        return ""
    delta = int(((now or utcnow()) - value).total_seconds())
    amount = _amount(abs(delta))
    if not amount:
        return gettext("just now")
    if delta > 0:
        return gettext("%(amount)s ago", amount=amount)
    return gettext("in %(amount)s", amount=amount)


def format_elapsed(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long something has been waiting, without "ago": "3 days", "5 hours", "moments"."""
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    return _amount(seconds) or gettext("moments")


def role_label(role: str | None) -> str:
    """A membership role as people say it ("va" -> "VA", "client" -> "Client contact")."""
    if not role:
        return ""
    label = ROLE_LABELS.get(role)
    return gettext(label) if label else role.replace("_", " ").capitalize()


def month_label(month: str, locale: str = "en") -> str:
    """'November 2026' for '2026-11' in `locale` (English when the locale is unknown): the
    period label of retainer drafts and the name of a month-end batch."""
    year, mon = (int(p) for p in month.split("-"))
    try:
        return babel_format_date(dt.date(year, mon, 1), "MMMM y", locale=locale.replace("-", "_"))
    except Exception:  # noqa: BLE001 - an unknown locale falls back to English
        return babel_format_date(dt.date(year, mon, 1), "MMMM y", locale="en")
