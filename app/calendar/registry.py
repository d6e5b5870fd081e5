"""The event-source registry of the master calendar.

A source is a function `fn(actor, start_utc, end_utc, filters) -> Iterable[CalendarEvent]`
registered under a kind with `register_source(kind, fn)`. It returns the events of its
kind that touch [start_utc, end_utc) and that the actor may see (the actor is always a
staff member of the agency: owner, manager, VA or QA reviewer; the tenant is already set).
`filters` is a `CalendarFilters`: a source narrows to `client_id` and `member_id` when set
(a source whose events belong to no person returns nothing when `member_id` is set). The
registry skips a source whose kind is not in `filters.kinds`. A source must run a fixed
number of SQL statements whatever the number of events (bulk queries, no per-row loads).

The month and week views, the JSON API and the iCalendar feed all read `collect_events`,
so a source plugged in here shows up everywhere with the same visibility.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.translation import lazy_gettext


@dataclass(frozen=True)
class CalendarEvent:
    """One thing on the calendar.

    A timed event has `starts_at` (aware, UTC) and optionally `ends_at` (UTC); an all-day
    event has `all_day` (a date, the day it falls on where it applies, e.g. the invoice's
    due date in the client's zone) and neither `starts_at` nor `ends_at`.
    `uid` is stable for the same thing across requests (e.g. "work_due-42"): the feed's
    UIDs are built from it. `url` is a path inside Baton (or None).
    """

    kind: str
    uid: str
    title: str
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    all_day: dt.date | None = None
    client_id: int | None = None
    client_name: str | None = None
    client_zone: str | None = None
    membership_id: int | None = None
    person: str | None = None
    url: str | None = None
    overdue: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.starts_at is None) == (self.all_day is None):
            raise ValueError("A calendar event is either timed (starts_at) or all-day (all_day).")
        if self.starts_at is not None and self.starts_at.tzinfo is None:
            raise ValueError("starts_at must be an aware datetime (UTC).")
        if self.all_day is not None and self.ends_at is not None:
            raise ValueError("An all-day event has no ends_at.")

    @property
    def is_all_day(self) -> bool:
        return self.all_day is not None

    def sort_key(self) -> tuple:
        when = self.starts_at or dt.datetime.combine(self.all_day, dt.time(), tzinfo=dt.UTC)  # type: ignore[arg-type]
        return (when, 0 if self.is_all_day else 1, self.kind, self.title, self.uid)


@dataclass(frozen=True)
class CalendarFilters:
    """What the viewer narrowed the calendar to (already validated)."""

    client_id: int | None = None
    member_id: int | None = None
    kinds: frozenset[str] = frozenset()  # empty: every registered kind


Source = Callable[[Any, dt.datetime, dt.datetime, CalendarFilters], Iterable[CalendarEvent]]


@dataclass(frozen=True)
class _Registered:
    kind: str
    fn: Source
    label: Any
    color: str


_SOURCES: dict[str, _Registered] = {}


def register_source(kind: str, fn: Source, *, label: Any = None, color: str = "secondary") -> None:
    """Add (or replace) the source of `kind`. `label` is the kind's name shown in the
    filter and the legend (a lazy_gettext string); `color` a Bootstrap colour name
    ("primary", "danger", ...) of its badges. Registering the same kind again replaces it."""
    _SOURCES[kind] = _Registered(kind, fn, label if label is not None else kind, color)


def unregister_source(kind: str) -> None:
    """Remove a source (tests)."""
    _SOURCES.pop(kind, None)


def registered_kinds() -> list[str]:
    """The registered kinds, in registration order."""
    return list(_SOURCES)


def kind_label(kind: str) -> Any:
    found = _SOURCES.get(kind)
    return found.label if found else lazy_gettext("Other")


def kind_color(kind: str) -> str:
    found = _SOURCES.get(kind)
    return found.color if found else "secondary"


def collect_events(
    actor: Any, start_utc: dt.datetime, end_utc: dt.datetime, filters: CalendarFilters
) -> list[CalendarEvent]:
    """Every event of the wanted kinds in [start_utc, end_utc) the actor may see, in time
    order (all-day events first on their day)."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("The calendar range must be aware datetimes (UTC).")
    events: list[CalendarEvent] = []
    for kind, source in _SOURCES.items():
        if filters.kinds and kind not in filters.kinds:
            continue
        events.extend(source.fn(actor, start_utc, end_utc, filters))
    return sorted(events, key=CalendarEvent.sort_key)
