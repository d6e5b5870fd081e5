"""How Baton writes numbers, durations, dates, times and role names for people: one format
per kind, in one locale's words, separators and digits.

Pages, emails and jobs all format through here (the Jinja filters in app.core.web call
these functions; money goes through app.core.money, which uses the number helpers here), so
an estimate reads "14 h 20 min" on the work item, in the SOP library and in an email alike,
and a date reads "27 Nov 2026" wherever it appears:

- duration: `format_duration(860)` -> "14 h 20 min"
- date: `format_day(date(2026, 11, 27))` -> "27 Nov 2026"
- date-time: `format_datetime(utc, "America/New_York")` -> "Fri 27 Nov, 09:00 EST"
- relative: `format_relative(then, now)` -> "3 days ago" / "in 2 hours"
- role: `role_label("qa")` -> "QA reviewer"
- number / percentage: `format_number(1234.5, "ar_EG")` -> "١٬٢٣٤٫٥", `format_percent`

Digits follow the locale's default CLDR numbering system: Egyptian and Saudi Arabic (ar_EG,
ar_SA) write Arabic-Indic digits, plain Arabic, ar_AE and ar_MA write Latin ones, Persian
Extended Arabic-Indic ones. Babel picks the separators of that system but always writes
Latin digits, so every function here transliterates its result (`localise_digits`).
`locale=None` means the reader's: the page's language with the signed-in person's region
(app.core.i18n.current_locale), English outside a request.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
import zoneinfo
from collections.abc import Callable
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import format_percent as babel_format_percent
from flask import has_app_context
from flask_babel import gettext, ngettext

from app.core.catalogues import N_
from app.core.clock import utcnow
from app.core.i18n import current_locale

ROLE_LABELS = {
    "owner": N_("Owner"),
    "manager": N_("Manager"),
    "va": N_("VA"),
    "qa": N_("QA reviewer"),
    "client": N_("Client contact"),
}

DAY_PATTERN = "d MMM y"  # 27 Nov 2026: no month/day order to misread in any country
_DATETIME_PATTERN = "EEE d MMM, HH:mm"

# The digits of the CLDR numbering systems some locale uses by default (Babel knows which
# system a locale uses, `Locale.default_numbering_system`, but not the system's digits): the
# first code point is the system's zero, the nine after it its 1-9 (Unicode decimal digits).
_ZEROS = {
    "latn": 0x30,
    "arab": 0x660,  # Arabic-Indic: ar_EG, ar_SA, ...
    "arabext": 0x6F0,  # Extended Arabic-Indic: fa, ps, ur_IN
    "deva": 0x966,  # Devanagari: ne, mr
    "beng": 0x9E6,  # Bengali: bn
    "thai": 0xE50,
    "tibt": 0xF20,
    "mymr": 0x1040,  # Myanmar: my
    "olck": 0x1C50,  # Ol Chiki: sat
    "nkoo": 0x7C0,  # N'Ko: nqo
    "mtei": 0xABF0,  # Meetei Mayek: mni
    "cakm": 0x11136,  # Chakma: ccp
    "adlm": 0x1E950,  # Adlam: ff_Adlm
    "hmnp": 0x1E140,  # Nyiakeng Puachue Hmong: hnj
}
DIGITS = {system: "".join(chr(zero + i) for i in range(10)) for system, zero in _ZEROS.items()}
# Separators people type in Arabic script, read as the '.' and ',' the parsers expect.
_TYPED_SEPARATORS = {"\u066b": ".", "\u066c": ",", "\u060c": ",", "\u2212": "-"}
_BIDI_MARKS = frozenset("\u061c\u200e\u200f")


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def reader_locale(locale: str | None = None) -> str:
    """`locale` as given, or the reader's when None (the page's language with the signed-in
    person's region, see app.core.i18n.current_locale; English outside a request)."""
    if locale:
        return locale
    return current_locale() if has_app_context() else "en"


@functools.lru_cache(maxsize=256)
def babel_locale(locale: str | None) -> Locale:
    """The Babel locale of 'ar_EG' / 'ar-EG' / 'fr'; English when it is not one."""
    try:
        return Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


@functools.lru_cache(maxsize=256)
def numbering_system(locale: str | None) -> str:
    """The CLDR numbering system `locale` writes numbers in by default: 'arab' for ar_EG,
    'latn' for ar and ar_MA, 'arabext' for fa (Latin for a system without known digits)."""
    system = babel_locale(locale).default_numbering_system
    return system if system in DIGITS else "latn"


@functools.lru_cache(maxsize=256)
def _digit_table(locale: str | None) -> dict[int, str] | None:
    digits = DIGITS[numbering_system(locale)]
    return None if digits == DIGITS["latn"] else str.maketrans("0123456789", digits)


def localise_digits(text: str, locale: str | None) -> str:
    """`text` with its Latin digits written in `locale`'s own ('12:05' -> '١٢:٠٥' in ar_EG)."""
    table = _digit_table(locale)
    return text.translate(table) if table else text


def normalise_digits(text: str) -> str:
    """Digits a person typed in any script as Latin ones, and the Arabic decimal and thousands
    separators as '.' and ',' ('١٢٣٫٤٥' -> '123.45'), for the parsers."""
    if text.isascii():
        return text
    out = []
    for char in text:
        if char in _BIDI_MARKS:
            continue
        if char in _TYPED_SEPARATORS:
            out.append(_TYPED_SEPARATORS[char])
        elif not char.isascii() and char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(char)
    return "".join(out)


def _number_signs(text: str, locale: str | None) -> str:
    """Babel writes '-' and '%' whatever the numbering system: use the system's own signs."""
    loc = babel_locale(locale)
    system = numbering_system(locale)
    if system == "latn":
        return text
    symbols = loc.number_symbols.get(system) or {}
    if "%" in text and symbols.get("percentSign"):
        text = text.replace("%", symbols["percentSign"])
    if "-" in text and symbols.get("minusSign"):
        text = text.replace("-", symbols["minusSign"])
    return localise_digits(text, locale)


def _babel_number(render, value: int | float | Decimal | None, locale: str | None, pattern):
    """`render` (Babel's decimal or percent formatter) in `locale`, with its own digits."""
    if value is None:
        return ""
    loc = reader_locale(locale)
    text = render(value, format=pattern, locale=babel_locale(loc), numbering_system="default")
    return _number_signs(text, loc)


def format_number(
    value: int | float | Decimal | None, locale: str | None = None, *, pattern: str | None = None
) -> str:
    """A number in `locale`: 1234.5 -> '1,234.5' (en), '1 234,5' (fr), '١٬٢٣٤٫٥' (ar_EG)."""
    return _babel_number(babel_format_decimal, value, locale, pattern)


def format_percent(
    value: int | float | Decimal | None, locale: str | None = None, *, pattern: str | None = None
) -> str:
    """A fraction as a percentage in `locale`: 0.15 -> '15%' (en), '15 %' (fr), '١٥٪؜' (ar_EG)."""
    return _babel_number(babel_format_percent, value, locale, pattern)


def _duration_patterns() -> tuple[str, str, str]:
    """The three ways a duration is said, in the reader's language: minutes only, hours and
    minutes, whole hours."""
    return (
        gettext("%(minutes)d min"),
        gettext("%(hours)d h %(minutes)d min"),
        gettext("%(hours)d h"),
    )


def _duration_text(minutes: int | float, patterns: tuple[str, str, str], locale: str) -> str:
    minutes = max(0, int(round(minutes)))
    hours, rest = divmod(minutes, 60)
    if not hours:
        text = patterns[0] % {"minutes": rest}
    elif rest:
        text = patterns[1] % {"hours": hours, "minutes": rest}
    else:
        text = patterns[2] % {"hours": hours}
    return localise_digits(text, locale)


def format_duration(
    minutes: int | float | None, empty: str = "—", locale: str | None = None
) -> str:
    """Minutes of work as people say them: 45 -> "45 min", 150 -> "2 h 30 min", 120 -> "2 h".
    Estimates stay in hours past a day (a 40 h estimate is not "1 d 16 h" of work)."""
    if minutes is None:
        return empty
    return _duration_text(minutes, _duration_patterns(), reader_locale(locale))


def duration_formatter(locale: str | None = None) -> Callable[..., str]:
    """`format_duration` for a page of many durations (a team's heat map): the reader's
    locale and the three patterns are looked up once, each distinct value written once."""
    loc = reader_locale(locale)
    patterns = _duration_patterns()
    seen: dict[int | float, str] = {}

    def duration(minutes: int | float | None, empty: str = "—") -> str:
        if minutes is None:
            return empty
        text = seen.get(minutes)
        if text is None:
            text = seen[minutes] = _duration_text(minutes, patterns, loc)
        return text

    return duration


def format_day(value: dt.date | dt.datetime | None, locale: str | None = None) -> str:
    """A calendar date: "27 Nov 2026" (a datetime is taken as its date as stored)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    loc = reader_locale(locale)
    return localise_digits(babel_format_date(value, DAY_PATTERN, locale=babel_locale(loc)), loc)


def format_long_date(value: dt.date | None, locale: str | None = None) -> str:
    """A date in `locale`'s long format, as documents and emails to a client write it:
    'November 30, 2026' (en), '30 novembre 2026' (fr), '٣٠ نوفمبر ٢٠٢٦' (ar_EG)."""
    if value is None:
        return ""
    loc = reader_locale(locale)
    return localise_digits(babel_format_date(value, "long", locale=babel_locale(loc)), loc)


def format_datetime(value: dt.datetime | None, zone: str, locale: str | None = None) -> str:
    """A UTC time in `zone` with the zone's abbreviation: "Fri 27 Nov, 09:00 EST"."""
    if value is None:
        return ""
    loc = reader_locale(locale)
    local = value.astimezone(_zone(zone))
    text = babel_format_datetime(local, _DATETIME_PATTERN, locale=babel_locale(loc))
    return localise_digits(f"{text} {local.tzname()}", loc)


@functools.lru_cache(maxsize=64)
def _fast_parts(locale: str) -> tuple[tuple[str, ...], tuple[str, ...], dict[int, str] | None]:
    """Per locale, once: the abbreviated weekday names (Monday first, as `weekday()`), the
    abbreviated month names (January first) that `_DATETIME_PATTERN` uses, and the digits."""
    loc = babel_locale(locale)
    days = loc.days["format"]["abbreviated"]
    months = loc.months["format"]["abbreviated"]
    return (
        tuple(days[i] for i in range(7)),
        tuple(months[i] for i in range(1, 13)),
        _digit_table(locale),
    )


def format_datetime_fast(value: dt.datetime | None, zone: str, locale: str | None = None) -> str:
    """`format_datetime` word for word, assembled from names cached per locale, for pages
    that show hundreds of times (a board): Babel's pattern machinery costs about 0.1 ms a
    call (benchmarks/bench_formatting.py)."""
    if value is None:
        return ""
    loc = reader_locale(locale)
    days, months, table = _fast_parts(loc)
    local = value.astimezone(_zone(zone))
    text = (
        f"{days[local.weekday()]} {local.day} {months[local.month - 1]}, "
        f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"
    )
    return text.translate(table) if table else text


def _amount(seconds: int) -> str:
    if seconds >= 86400:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return ""


def format_relative(
    value: dt.datetime | None, now: dt.datetime | None = None, locale: str | None = None
) -> str:
    """How long ago (or how soon) `value` is: "3 days ago", "in 5 hours", "just now"."""
    if value is None:
        return ""
    delta = int(((now or utcnow()) - value).total_seconds())
    amount = _amount(abs(delta))
    if not amount:
        return gettext("just now")
    if delta > 0:
        text = gettext("%(amount)s ago", amount=amount)
    else:
        text = gettext("in %(amount)s", amount=amount)
    return localise_digits(text, reader_locale(locale))


def format_elapsed(
    value: dt.datetime, now: dt.datetime | None = None, locale: str | None = None
) -> str:
    """How long something has been waiting, without "ago": "3 days", "5 hours", "moments"."""
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    return localise_digits(_amount(seconds) or gettext("moments"), reader_locale(locale))


def role_label(role: str | None) -> str:
    """A membership role as people say it ("va" -> "VA", "client" -> "Client contact")."""
    if not role:
        return ""
    label = ROLE_LABELS.get(role)
    return gettext(label) if label else role.replace("_", " ").capitalize()


def month_label(month: str, locale: str = "en") -> str:
    """'November 2026' for '2026-11' in `locale` (English when the locale is unknown, the
    locale's digits: 'نوفمبر ٢٠٢٦' in ar_EG): the period label of retainer drafts and the name
    of a month-end batch."""
    year, mon = (int(p) for p in month.split("-"))
    text = babel_format_date(dt.date(year, mon, 1), "MMMM y", locale=babel_locale(locale))
    return localise_digits(text, locale)
