"""Workload: planned hours against capacity, per person and week (the heat map).

Planned minutes of a week = the remaining estimate of each open work item assigned to the
person (estimate less the time recorded on it), spread evenly over the weeks from the first
week shown up to the week the item is due (all in the first week when overdue; over every
week shown when it has no due date), plus retainer commitments (an active plan's included
hours a month, as 12/52 of them a week, carried by the client's current primary VA, split
evenly when there are several), plus the time blocks of the `PLANNED_BLOCKS` hooks (the week
planner): blocks count in the weeks they are in, and the minutes of an item's blocks still to
come are taken off its remaining estimate before the rest is spread (never counted twice).

Flags: over capacity (planned > capacity) and under 15 % buffer (free < 15 % of capacity).
Four statements whatever the number of people and items, plus one per hook; the time
recorded on an item is its `logged_seconds` (app.time.logged), not a sum over its entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.capacity.queries import weekly_capacity
from app.clients.models import Assignment
from app.core.db import among, values_table
from app.extensions import db
from app.retainers.models import RetainerPlan
from app.work.models import OPEN_STATES, WorkItem

BUFFER = 0.15


@dataclass(frozen=True)
class Blocked:
    """What a `PLANNED_BLOCKS` hook returns: minutes blocked per (membership_id, week_start)
    of the weeks asked for, and per work item the minutes of its blocks still to come (taken
    off the item's remaining estimate before the rest is spread)."""

    by_week: dict[tuple[int, dt.date], int]
    by_item: dict[int, int]


# Hooks: fn(member_ids, first_week_start, weeks) -> Blocked. The week planner registers here.
PLANNED_BLOCKS: list[Callable[[list[int], dt.date, int], Blocked]] = []


@dataclass(frozen=True)
class Cell:
    planned: int  # minutes
    capacity: int  # minutes

    @property
    def over(self) -> bool:
        return self.planned > self.capacity

    @property
    def low_buffer(self) -> bool:
        return not self.over and self.capacity - self.planned < BUFFER * self.capacity

    @property
    def tone(self) -> tuple[str, str]:
        """(Bootstrap colour, test id) of the cell: over capacity, under the buffer, room."""
        if self.over:
            return "danger", "over-capacity"
        if self.low_buffer:
            return "warning", "low-buffer"
        return "success", "room-left"

    @property
    def load_percent(self) -> int:
        if not self.capacity:
            return 100 if self.planned else 0
        return round(100 * self.planned / self.capacity)


def _week_of_due(first_week_start: dt.date, weeks: int) -> sa.ColumnElement[int]:
    """The index of the last week an item's estimate is spread over: the week it is due
    (its UTC date), the first when overdue, the last shown when later or with no due date;
    a CASE over the weeks' UTC midnights, so it is plain SQL on every database."""
    whens = []
    for w in range(1, weeks):
        day = first_week_start + dt.timedelta(days=7 * w)
        whens.append(
            (WorkItem.due_at < dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), w - 1)
        )
    if not whens:
        return sa.literal(0)
    return sa.case(*whens, else_=weeks - 1)


def planned_minutes(
    member_ids: Iterable[int], first_week_start: dt.date, weeks: int
) -> dict[tuple[int, dt.date], int]:
    ids = sorted(set(member_ids))
    out: dict[tuple[int, dt.date], int] = defaultdict(int)
    if not ids or weeks <= 0:
        return out
    # Each item's remaining estimate, spread evenly over its weeks (0..last), the odd
    # minutes in the first: summed per person and last week in SQL, so a few hundred rows
    # come back however many items there are.
    blocked = [hook(ids, first_week_start, weeks) for hook in PLANNED_BLOCKS]
    taken: dict[int, int] = defaultdict(int)
    for result in blocked:
        for item_id, minutes in result.by_item.items():
            taken[item_id] += minutes
    left = WorkItem.estimate_minutes - WorkItem.logged_seconds // 60
    if taken:  # the items' blocks still to come, as a VALUES list joined on the item
        ahead = values_table(
            "ahead",
            [("item_id", sa.Integer()), ("minutes", sa.Integer())],
            sorted(taken.items()),
            db.session.get_bind().dialect.name,
        )
        left = left - sa.func.coalesce(ahead.c.minutes, 0)
    remaining = sa.case((left > 0, left), else_=0)
    last = _week_of_due(first_week_start, weeks)
    spread = (
        sa.select(
            WorkItem.assignee_id.label("member_id"),
            last.label("last"),
            remaining.label("remaining"),
        )
        .select_from(WorkItem)
        .where(
            among(WorkItem.assignee_id, ids),
            WorkItem.state.in_(OPEN_STATES),
            WorkItem.estimate_minutes.is_not(None),
        )
    )
    if taken:
        spread = spread.outerjoin(ahead, ahead.c.item_id == WorkItem.id)
    spread = spread.subquery()
    n = spread.c.last + 1
    share = spread.c.remaining // n
    rows = db.session.execute(
        sa.select(
            spread.c.member_id,
            spread.c.last,
            sa.func.sum(share),
            sa.func.sum(spread.c.remaining - share * n),
        ).group_by(spread.c.member_id, spread.c.last)
    )
    starts = [first_week_start + dt.timedelta(days=7 * w) for w in range(weeks)]
    for member_id, last_week, shares, extra in rows:
        for w in range(int(last_week) + 1):
            out[(member_id, starts[w])] += int(shares or 0) + (int(extra or 0) if w == 0 else 0)
    for member_id, minutes in retainer_minutes_per_week(ids, first_week_start).items():
        for start in starts:
            out[(member_id, start)] += minutes
    for result in blocked:
        for key, minutes in result.by_week.items():
            out[key] += minutes
    return out


def retainer_minutes_per_week(member_ids: list[int], today: dt.date) -> dict[int, int]:
    """Minutes a week of the retainer hours of the clients each member is the current
    primary VA of (a month's included hours x 12 / 52), in one statement."""
    current = sa.and_(
        Assignment.kind == "primary",
        Assignment.starts_on <= today,
        sa.or_(Assignment.ends_on.is_(None), Assignment.ends_on > today),
    )
    primaries = (
        sa.select(Assignment.client_id, sa.func.count().label("n"))
        .where(current)
        .group_by(Assignment.client_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Assignment.membership_id, RetainerPlan.included_hours, primaries.c.n)
        .join(RetainerPlan, RetainerPlan.client_id == Assignment.client_id)
        .join(primaries, primaries.c.client_id == Assignment.client_id)
        .where(
            current,
            among(Assignment.membership_id, member_ids),
            RetainerPlan.active.is_(True),
            RetainerPlan.included_hours.is_not(None),
        )
    )
    out: dict[int, int] = defaultdict(int)
    for member_id, hours, sharing in rows:
        out[member_id] += round(float(hours) * 60 * 12 / 52 / max(int(sharing), 1))
    return out


def workload(
    member_ids: Iterable[int],
    first_week_start: dt.date,
    weeks: int,
    capacity: dict[tuple[int, dt.date], int] | None = None,
) -> dict[tuple[int, dt.date], Cell]:
    """The cells of `weeks` weeks from `first_week_start`; `capacity` is the members'
    weekly capacity when already read (covering those weeks, perhaps more)."""
    ids = sorted(set(member_ids))
    if capacity is None:
        capacity = weekly_capacity(ids, first_week_start, weeks)
    starts = {first_week_start + dt.timedelta(days=7 * w) for w in range(weeks)}
    planned = planned_minutes(ids, first_week_start, weeks)
    return {
        key: Cell(planned.get(key, 0), cap) for key, cap in capacity.items() if key[1] in starts
    }


def week_cell(
    member_id: int, monday: dt.date, this_monday: dt.date, horizon: int = 8
) -> Cell | None:
    """One person's week as the heat map shows it (a week planner's summary and warnings):
    estimates are spread from this week on, as on the heat map (`horizon` weeks, or up to
    the week asked when it is later), so both say the same planned time; a past week is its
    own first week."""
    if monday < this_monday:
        return workload([member_id], monday, 1).get((member_id, monday))
    weeks = max(horizon, (monday - this_monday).days // 7 + 1)
    return workload([member_id], this_monday, weeks).get((member_id, monday))
