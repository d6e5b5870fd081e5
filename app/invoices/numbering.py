"""Gap-free invoice and credit-note numbers.

A number is allocated inside the issuing transaction from the agency's `NumberCounter` row
for the series (and year, when numbering restarts yearly in the agency's time zone): the row
is created if missing (INSERT ... ON CONFLICT DO NOTHING), then locked (SELECT ... FOR
UPDATE) and incremented. Concurrent issues queue on that lock, so numbers are unique and
consecutive; a transaction that rolls back rolls its increment back too, so no gap is left.
The unique constraint (agency, kind, number) on invoices is the last line of defence.

Formats are an agency setting made of literal text and two placeholders: `{year}` and
`{seq}` (optionally zero-padded: `{seq:05}` or `{seq:05d}`), e.g. `INV-{year}-{seq:05}`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.tenancy import current_agency_id
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.models import NumberCounter

DEFAULT_FORMATS = {"invoice": "INV-{year}-{seq:05}", "credit_note": "CN-{year}-{seq:05}"}
MAX_FORMAT_LENGTH = 40
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TOKEN = re.compile(r"^(year|seq)(?::0?([1-9]|1[0-2])d?)?$")
_LITERAL = re.compile(r"^[A-Za-z0-9 ._/#-]*$")


def format_problems(fmt: str, *, restart_yearly: bool) -> list[str]:
    """Why `fmt` is not a usable number format (empty when it is)."""
    problems: list[str] = []
    if not fmt or len(fmt) > MAX_FORMAT_LENGTH:
        return [
            _(
                "Use 1 to %(max)s characters, e.g. %(example)s.",
                max=MAX_FORMAT_LENGTH,
                example="INV-{year}-{seq:05}",
            )
        ]
    tokens = _PLACEHOLDER.findall(fmt)
    literal = _PLACEHOLDER.sub("", fmt)
    if "{" in literal or "}" in literal:
        problems.append(_("Braces are only for {year} and {seq}."))
    elif not _LITERAL.match(literal):
        problems.append(_("Use letters, digits, spaces and . _ / # - around the placeholders."))
    names = []
    for token in tokens:
        m = _TOKEN.match(token)
        if m is None or (m.group(1) == "year" and m.group(2)):
            problems.append(
                _(
                    "%(token)s is not allowed; use {year}, {seq} or {seq:05}.",
                    token="{" + token + "}",
                )
            )
        else:
            names.append(m.group(1))
    if names.count("seq") != 1:
        problems.append(_("Put {seq} (the running number) in exactly once."))
    if names.count("year") > 1:
        problems.append(_("Put {year} in at most once."))
    if restart_yearly and "year" not in names and not problems:
        problems.append(_("Numbers that restart every year need {year}, or they would repeat."))
    return problems


def format_number(fmt: str, year: int, seq: int) -> str:
    """Fill a (valid) format: ('INV-{year}-{seq:05}', 2026, 12) -> 'INV-2026-00012'."""

    def fill(match: re.Match) -> str:
        token = _TOKEN.match(match.group(1))
        if token is None:  # formats are validated on save; never print a broken number
            raise ValueError(f"bad number format {fmt!r}")
        if token.group(1) == "year":
            return f"{year:04d}"
        width = int(token.group(2) or 0)
        return f"{seq:0{width}d}" if width else str(seq)

    return _PLACEHOLDER.sub(fill, fmt)


def agency_year(zone: str | None, at: dt.datetime | None = None) -> int:
    """The calendar year in the agency's time zone at `at` (now): numbering restarts on
    the agency's New Year, not the server's."""
    return (at or utcnow()).astimezone(zoneinfo.ZoneInfo(zone or "UTC")).year


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - Baton runs on PostgreSQL, the demo on SQLite
        raise RuntimeError(f"no ON CONFLICT support known for {dialect}")
    return insert


def allocate(series: str, year: int) -> int:
    """Take the next value of the counter (series, year) of the current agency, holding
    the counter's row lock until the transaction ends."""
    agency_id = current_agency_id()
    if agency_id is None:
        raise RuntimeError("numbers are allocated inside an agency")
    insert = _insert()
    db.session.execute(
        insert(NumberCounter)
        .values(agency_id=agency_id, series=series, year=year, next_value=1)
        .on_conflict_do_nothing(index_elements=["agency_id", "series", "year"])
    )
    counter = db.session.scalars(
        sa.select(NumberCounter)
        .where(NumberCounter.series == series, NumberCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    value = counter.next_value
    counter.next_value = value + 1
    db.session.flush()
    return value
