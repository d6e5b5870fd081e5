"""The event-source registry of the master calendar.

A source is a function `fn(actor, start_utc, end_utc, filters) -> Iterable[CalendarEvent]`
registered under a kind with `register_source(kind, fn)`. It returns the events of its
kind that touch [start_utc, end_utc) and that the actor may see (the actor is always a
staff member of the agency: owner, manager, VA or QA reviewer; the tenant is already set).
`filters` is a `CalendarFilters`: a source narrows to `client_id` and `member_id` when set
(a source whose events belong to no person returns nothing when `member_id` is set). The
registry skips a source whose kind is not in `filters.kinds`. A source must run a fixed
number of SQL statements whatever the number of events (bulk queries, no per-row loads).

The JSON API and the iCalendar feed read `collect_events`; the month and week views read
`collect_day_page`, which shows at most a number of events a day (a large agency has
thousands of deadlines in a month) and counts the rest. A source whose kind can have that
many events registers a `capped` function as well: `capped(actor, start, end, filters, cap)`
returns the first `cap.per_day` events of each day of `cap.zone` (in time order) and every
day's total, in a fixed number of statements, or None when it cannot (e.g. the embedded
SQLite database, which has no time zones); the registry then caps the full list itself.
A source plugged in here shows up everywhere with the same visibility.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
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


@dataclass(frozen=True)
class DayCap:
    """Show at most `per_day` events on each day of `zone` (the viewer's)."""

    zone: str
    per_day: int


@dataclass
class DayPage:
    """What a capped view shows: the events kept (in time order) and, per day, how many
    events the day has in all (kept or not)."""

    events: list[CalendarEvent]
    totals: dict[dt.date, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    def hidden(self, zone: str) -> dict[dt.date, int]:
        """Per day, how many events were left out."""
        shown: dict[dt.date, int] = defaultdict(int)
        for event in self.events:
            shown[local_day(event, zone)] += 1
        return {day: n - shown[day] for day, n in self.totals.items() if n > shown[day]}


Source = Callable[[Any, dt.datetime, dt.datetime, CalendarFilters], Iterable[CalendarEvent]]
Capped = Callable[[Any, dt.datetime, dt.datetime, CalendarFilters, DayCap], DayPage | None]


@dataclass(frozen=True)
class _Registered:
    kind: str
    fn: Source
    label: Any
    color: str
    capped: Capped | None = None


_SOURCES: dict[str, _Registered] = {}


def register_source(
    kind: str,
    fn: Source,
    *,
    label: Any = None,
    color: str = "secondary",
    capped: Capped | None = None,
) -> None:
    """Add (or replace) the source of `kind`. `label` is the kind's name shown in the
    filter and the legend (a lazy_gettext string); `color` a Bootstrap colour name
    ("primary", "danger", ...) of its badges; `capped` its per-day capped form (see the
    module). Registering the same kind again replaces it."""
    _SOURCES[kind] = _Registered(kind, fn, label if label is not None else kind, color, capped)


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


def local_day(event: CalendarEvent, zone: str) -> dt.date:
    """The day an event falls on in the viewer's zone (an all-day event: its own date)."""
    if event.all_day is not None:
        return event.all_day
    assert event.starts_at is not None
    return event.starts_at.astimezone(zoneinfo.ZoneInfo(zone)).date()


def cap_events(events: Iterable[CalendarEvent], cap: DayCap) -> DayPage:
    """The first `cap.per_day` events of each day (time order) and each day's total."""
    by_day: dict[dt.date, list[CalendarEvent]] = defaultdict(list)
    for event in events:
        by_day[local_day(event, cap.zone)].append(event)
    kept: list[CalendarEvent] = []
    for day_events in by_day.values():
        kept.extend(sorted(day_events, key=CalendarEvent.sort_key)[: cap.per_day])
    return DayPage(sorted(kept, key=CalendarEvent.sort_key), {d: len(v) for d, v in by_day.items()})


def collect_day_page(
    actor: Any, start_utc: dt.datetime, end_utc: dt.datetime, filters: CalendarFilters, cap: DayCap
) -> DayPage:
    """Like `collect_events`, but at most `cap.per_day` events a day of `cap.zone` (the
    first in time order, whatever their kind), with each day's total."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("The calendar range must be aware datetimes (UTC).")
    events: list[CalendarEvent] = []
    totals: dict[dt.date, int] = defaultdict(int)
    for kind, source in _SOURCES.items():
        if filters.kinds and kind not in filters.kinds:
            continue
        page = source.capped(actor, start_utc, end_utc, filters, cap) if source.capped else None
        if page is None:
            page = cap_events(source.fn(actor, start_utc, end_utc, filters), cap)
        events.extend(page.events)
        for day, n in page.totals.items():
            totals[day] += n
    merged = cap_events(events, cap)
    return DayPage(merged.events, dict(totals))
