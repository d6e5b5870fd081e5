"""Strain signals of each staff member, for owners and managers only (never shown to the
person themselves, never to clients).

Three signals, each with a documented threshold:

- Weeks over capacity in a row (`OVER_WEEKS`, 2): the longest run of consecutive weeks
  over capacity in the heat-map horizon starting this week (planned against capacity, the
  workload cells), and the run of past weeks, up to `PAST_WEEKS` (4) and ending last week,
  in which the time logged was more than the capacity.
- Time outside working hours (`OUTSIDE_MINUTES`, 3 h): time entries with a start time in
  the last `OUTSIDE_DAYS` (14) days, the part of them outside the person's working hours
  in their own zone (public holidays of their country and whole days of approved time off
  count as outside). Entries without a start time (a duration only) are left out.
- Overdue work (`OVERDUE_ITEMS`, 3): open work items assigned to the person whose due time
  is past, and whether there are more than a week ago (items that were due and open then:
  still open, or delivered or cancelled since).

A fixed number of statements whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.capacity.outside_hours import outside_minutes
from app.capacity.queries import weekly_capacity
from app.capacity.workload import Cell, workload
from app.core.db import among
from app.extensions import db
from app.time.models import TimeEntry
from app.work.models import OPEN_STATES, WorkItem

HORIZON_WEEKS = 8
OVER_WEEKS = 2
PAST_WEEKS = 4
OUTSIDE_DAYS = 14
OUTSIDE_MINUTES = 180
OVERDUE_ITEMS = 3


@dataclass(frozen=True)
class Strain:
    membership_id: int
    weeks_over_ahead: int  # longest run of weeks over capacity from this week on
    weeks_over_past: int  # past weeks in a row (ending last week) with more logged than capacity
    outside_minutes: int  # logged outside working hours in the last OUTSIDE_DAYS days
    overdue: int  # open items past due now
    overdue_week_ago: int  # items that were open and past due a week ago

    @property
    def over_capacity(self) -> bool:
        return max(self.weeks_over_ahead, self.weeks_over_past) >= OVER_WEEKS

    @property
    def outside_hours(self) -> bool:
        return self.outside_minutes >= OUTSIDE_MINUTES

    @property
    def overdue_piling(self) -> bool:
        return self.overdue >= OVERDUE_ITEMS

    @property
    def overdue_growing(self) -> bool:
        return self.overdue > self.overdue_week_ago

    @property
    def signals(self) -> int:
        return sum((self.over_capacity, self.outside_hours, self.overdue_piling))


def longest_run(flags: Iterable[bool]) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def leading_run(flags: Iterable[bool]) -> int:
    run = 0
    for flag in flags:
        if not flag:
            break
        run += 1
    return run


def logged_minutes_by_week(
    member_ids: list[int], first_week_start: dt.date, weeks: int
) -> dict[tuple[int, dt.date], int]:
    """Minutes logged by each member in each week (by entry date), in one statement that
    sums them per person and week (a CASE over the weeks' first days: plain SQL anywhere)."""
    if not member_ids or weeks <= 0:
        return {}
    starts = [first_week_start + dt.timedelta(days=7 * w) for w in range(weeks)]
    last = first_week_start + dt.timedelta(days=7 * weeks)
    week = (
        sa.case(
            *((TimeEntry.entry_date < s, w - 1) for w, s in enumerate(starts) if w), else_=weeks - 1
        )
        if weeks > 1
        else sa.literal(0)
    )
    rows = db.session.execute(
        sa.select(
            TimeEntry.membership_id,
            week,
            sa.func.coalesce(sa.func.sum(TimeEntry.duration_seconds), 0),
        )
        .where(
            among(TimeEntry.membership_id, member_ids),
            TimeEntry.entry_date >= first_week_start,
            TimeEntry.entry_date < last,
        )
        .group_by(TimeEntry.membership_id, week)
    )
    return {(mid, starts[int(w)]): int(total) // 60 for mid, w, total in rows}


def past_runs(
    member_ids: list[int],
    this_week: dt.date,
    capacity: dict[tuple[int, dt.date], int] | None = None,
) -> dict[int, int]:
    """Past weeks in a row, ending last week, in which each member logged more than their
    capacity (at most PAST_WEEKS); `capacity` is their weekly capacity when already read
    (covering those weeks)."""
    first = this_week - dt.timedelta(days=7 * PAST_WEEKS)
    caps = capacity if capacity is not None else weekly_capacity(member_ids, first, PAST_WEEKS)
    logged = logged_minutes_by_week(member_ids, first, PAST_WEEKS)
    starts = [this_week - dt.timedelta(days=7 * (w + 1)) for w in range(PAST_WEEKS)]
    return {
        mid: leading_run(logged.get((mid, s), 0) > caps.get((mid, s), 0) for s in starts)
        for mid in member_ids
    }


def overdue_counts(member_ids: list[int], now: dt.datetime) -> dict[int, tuple[int, int]]:
    """(open items past due now, items open and past due a week ago) per member, in one
    statement: the open items past due (from the open items' index by person and due time)
    and the items closed within the week that were past due then (from the indexes of
    delivery and cancellation), each read without the rest of the agency's items."""
    week_ago = now - dt.timedelta(days=7)
    is_open = WorkItem.state.in_(OPEN_STATES)
    late_then = sa.and_(WorkItem.due_at < week_ago, WorkItem.created_at <= week_ago)
    still_open = sa.select(
        WorkItem.assignee_id.label("member_id"),
        sa.func.count().label("late"),
        sa.func.count().filter(late_then).label("late_then"),
    ).where(among(WorkItem.assignee_id, member_ids), is_open, WorkItem.due_at < now)
    closed_since = sa.select(
        WorkItem.assignee_id.label("member_id"),
        sa.literal(0).label("late"),
        sa.func.count().label("late_then"),
    ).where(
        among(WorkItem.assignee_id, member_ids),
        sa.or_(WorkItem.delivered_at > week_ago, WorkItem.cancelled_at > week_ago),
        sa.not_(is_open),
        late_then,
    )
    rows = db.session.execute(
        sa.union_all(
            still_open.group_by(WorkItem.assignee_id), closed_since.group_by(WorkItem.assignee_id)
        )
    )
    out: dict[int, tuple[int, int]] = {}
    for mid, late, then in rows:
        was = out.get(mid, (0, 0))
        out[mid] = (was[0] + int(late), was[1] + int(then))
    return out


def strain(
    member_ids: Iterable[int],
    this_week: dt.date,
    now: dt.datetime,
    cells: dict[tuple[int, dt.date], Cell],
    weeks: int = HORIZON_WEEKS,
    capacity: dict[tuple[int, dt.date], int] | None = None,
) -> dict[int, Strain]:
    """The strain signals of each member; `cells` are the workload cells of `weeks` weeks
    from `this_week` (the Monday of this week); `capacity`, when given, is the members'
    weekly capacity read once for the page, covering the PAST_WEEKS before this week."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    starts = [this_week + dt.timedelta(days=7 * w) for w in range(weeks)]
    past = past_runs(ids, this_week, capacity)
    outside = outside_minutes(ids, now - dt.timedelta(days=OUTSIDE_DAYS), now)
    overdue = overdue_counts(ids, now)
    out: dict[int, Strain] = {}
    for mid in ids:
        ahead = longest_run(cells[(mid, s)].over for s in starts if (mid, s) in cells)
        late, late_then = overdue.get(mid, (0, 0))
        out[mid] = Strain(mid, ahead, past.get(mid, 0), outside.get(mid, 0), late, late_then)
    return out


LIMITS = {
    "weeks": OVER_WEEKS,
    "days": OUTSIDE_DAYS,
    "minutes": OUTSIDE_MINUTES,
    "items": OVERDUE_ITEMS,
}


def team_load(
    member_ids: list[int], this_week: dt.date, now: dt.datetime, weeks: int = HORIZON_WEEKS
) -> tuple[dict[tuple[int, dt.date], Cell], dict[int, Strain]]:
    """The workload cells of `weeks` weeks from this week and the strain signals of each
    member (the heat map, the cockpit's tile): their capacity read once, for the weeks
    ahead and the PAST_WEEKS before this week that strain compares with logged time."""
    capacity = weekly_capacity(
        member_ids, this_week - dt.timedelta(days=7 * PAST_WEEKS), PAST_WEEKS + weeks
    )
    cells = workload(member_ids, this_week, weeks, capacity)
    return cells, strain(member_ids, this_week, now, cells, weeks, capacity)
