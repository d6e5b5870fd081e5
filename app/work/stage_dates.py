"""Due dates of an SOP's stages on a work item, in business days of the client's zone.

An SOP stage's `due_offset_days` (sops/README.md) says the stage is due that many business
days (Monday to Friday in the client's time zone) after the work starts, 0 meaning the same
day. The due moment is the end of that working day, 17:00 client time, converted to UTC
through zoneinfo so a daylight-saving change in between still lands on 17:00 local. Work
that starts on a Saturday or Sunday counts from the next Monday.

Everything here is computed from plain values (no database, no Flask globals);
`work_item_stages` only reads them off an already loaded work item, so the work item page
and the JSON API show the same `StageDue` rows.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.work.models import ChecklistState, WorkItem

END_OF_DAY = dt.time(17, 0)
WORKDAYS_PER_WEEK = 5
SATURDAY = 5
CLOSED_STATES = ("delivered", "cancelled")


@dataclass(frozen=True)
class StageDue:
    """One stage of an SOP version with its due moment (UTC) on one work item."""

    key: str
    title: str
    due_at: dt.datetime
    overdue: bool = False


def first_business_day(day: dt.date) -> dt.date:
    """`day` itself on Monday to Friday; the next Monday on a Saturday or Sunday."""
    if day.weekday() >= SATURDAY:
        return day + dt.timedelta(days=7 - day.weekday())
    return day


def add_business_days(day: dt.date, days: int) -> dt.date:
    """The date `days` business days after `day` (counted from the next Monday when
    `day` falls on a weekend); 0 is that first business day itself."""
    if days < 0:
        raise ValueError("Business days to add must not be negative.")
    start = first_business_day(day)
    weeks, rest = divmod(days, WORKDAYS_PER_WEEK)
    # `rest` (0-4) more weekdays cross one weekend when they pass Friday.
    extra = rest + 2 if start.weekday() + rest >= WORKDAYS_PER_WEEK else rest
    return start + dt.timedelta(weeks=weeks, days=extra)


def stage_due_at(start: dt.datetime, zone: str, offset_days: int) -> dt.datetime:
    """17:00 in `zone` on the business day `offset_days` after the local date of `start`
    (an aware datetime), as an aware UTC datetime."""
    if start.tzinfo is None:
        raise ValueError("The start of the work must be an aware datetime (UTC).")
    tz = zoneinfo.ZoneInfo(zone)
    day = add_business_days(start.astimezone(tz).date(), offset_days)
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(dt.UTC)


def _offset(stage: Mapping[str, Any]) -> int:
    # Validated SOPs always carry the offset; treat an absent one as "the same day".
    return int(stage.get("due_offset_days") or 0)


def stage_due_dates(
    start: dt.datetime, zone: str, stages: Sequence[Mapping[str, Any]]
) -> list[StageDue]:
    """Each stage of an SOP definition (its `stages` list) with its due moment, in order."""
    return [
        StageDue(
            key=str(stage["key"]),
            title=str(stage.get("title") or stage["key"]),
            due_at=stage_due_at(start, zone, _offset(stage)),
        )
        for stage in stages
    ]


def last_stage_due_at(
    start: dt.datetime, zone: str, stages: Sequence[Mapping[str, Any]]
) -> dt.datetime | None:
    """When the last stage is due (the whole work, as stages never get earlier), or None
    for an SOP without stages."""
    if not stages:
        return None
    return stage_due_at(start, zone, _offset(stages[-1]))


def stage_schedule(
    start: dt.datetime,
    zone: str,
    stages: Sequence[Mapping[str, Any]],
    *,
    open_required: Collection[str],
    closed: bool,
    now: dt.datetime,
) -> list[StageDue]:
    """The stages with their due moments, each marked overdue when its due moment is
    past at `now` while it still has open required checklist items (`open_required`
    holds those stages' keys). Nothing is overdue on closed (delivered, cancelled) work."""
    return [
        StageDue(
            key=due.key,
            title=due.title,
            due_at=due.due_at,
            overdue=not closed and due.key in open_required and due.due_at < now,
        )
        for due in stage_due_dates(start, zone, stages)
    ]


def work_item_stages(
    item: WorkItem, checks: Collection[ChecklistState], now: dt.datetime
) -> list[StageDue]:
    """The stages of the item's SOP version, due from when the work started (its creation
    while not started yet) in the client's zone, overdue as `stage_schedule` says."""
    return stage_schedule(
        item.started_at or item.created_at,
        item.client.time_zone,
        item.sop_version.stages,
        open_required={c.stage_key for c in checks if c.required and not c.done},
        closed=item.state in CLOSED_STATES,
        now=now,
    )
