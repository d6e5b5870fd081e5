"""Read side of the week planner: whose planner, the week's working time in the member's
zone (days, half-hour slots, time off and holidays), the week's blocks with their work items
and clients, and the member's open work items with what is left of their estimates.

Weeks run Monday to Sunday in the member's own zone; every instant is UTC in the database
and turned into local wall-clock times day by day through zoneinfo (DST-safe).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.capacity.intervals import Interval, hhmm, local_instant, zone_of
from app.capacity.queries import (
    Profile,
    approved_time_off,
    member_holidays,
    profile,
    working_intervals_utc,
)
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.permissions import Actor, authorize
from app.extensions import db
from app.planner.models import MAX_MINUTES, TimeBlock
from app.planner.policy import PLANNERS, can_plan_for
from app.users.models import Membership
from app.work.models import OPEN_STATES, WorkItem

SLOT_MINUTES = 30


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_bounds_utc(prof: Profile, monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of the member's local Monday midnight and the next one."""
    return (
        local_instant(monday, 0, prof.zone),
        local_instant(monday + dt.timedelta(days=7), 0, prof.zone),
    )


def get_planner_member_or_404(actor: Actor, membership_id: int) -> Membership:
    """A member who has a planner (owner, manager, VA), visible to the actor (404 for no such
    member; 403 for someone else's planner when not an owner or manager)."""
    member = db.session.scalar(
        sa.select(Membership).where(Membership.id == membership_id, Membership.role.in_(PLANNERS))
    )
    if member is None or actor.role not in PLANNERS:
        raise NotFound()
    authorize(can_plan_for(actor, member.id))
    return member


def get_block_or_404(actor: Actor, block_id: int) -> TimeBlock:
    """A block the actor may see: their own; anyone's for owners and managers."""
    block = db.session.get(TimeBlock, block_id)
    if block is None or not can_plan_for(actor, block.membership_id):
        raise NotFound()
    return block


@dataclass
class Slot:
    start: dt.datetime  # UTC
    minute: int  # local minute from midnight
    blocks: list = field(default_factory=list)

    @property
    def start_hhmm(self) -> str:
        return hhmm(self.minute)


@dataclass
class Day:
    date: dt.date
    slots: list[Slot] = field(default_factory=list)
    hours: list[tuple[int, int]] = field(default_factory=list)  # local (start, end) minutes
    holiday: str | None = None
    time_off: bool = False
    stray: list = field(default_factory=list)  # blocks outside today's working time


@dataclass(frozen=True)
class BlockView:
    id: int
    membership_id: int
    work_item_id: int
    title: str
    client_id: int
    client_name: str
    client_zone: str
    starts_at: dt.datetime
    minutes: int
    due_at: dt.datetime | None
    local_day: dt.date
    local_minute: int
    local_end_minute: int
    client_day: dt.date
    client_minute: int
    client_end_minute: int

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)

    @property
    def start_hhmm(self) -> str:
        return hhmm(self.local_minute)

    @property
    def past_due(self) -> bool:
        return self.due_at is not None and self.ends_at > self.due_at


def _local(instant: dt.datetime, zone_name: str) -> tuple[dt.date, int]:
    local = instant.astimezone(zone_of(zone_name))
    return local.date(), local.hour * 60 + local.minute


def week_blocks(prof: Profile, monday: dt.date) -> list[BlockView]:
    """The member's blocks starting in the local week, with item and client, in order."""
    start, end = week_bounds_utc(prof, monday)
    return _views(prof, TimeBlock.starts_at >= start, TimeBlock.starts_at < end)


def block_view(prof: Profile, block_id: int) -> BlockView:
    """One of the member's blocks, with item and client."""
    found = _views(prof, TimeBlock.id == block_id)
    if not found:
        raise NotFound()
    return found[0]


def _views(prof: Profile, *where: sa.ColumnElement[bool]) -> list[BlockView]:
    rows = db.session.execute(
        sa.select(TimeBlock, WorkItem.title, WorkItem.due_at, Client.id, Client.name)
        .add_columns(Client.time_zone)
        .join(WorkItem, WorkItem.id == TimeBlock.work_item_id)
        .join(Client, Client.id == WorkItem.client_id)
        .where(TimeBlock.membership_id == prof.membership_id, *where)
        .order_by(TimeBlock.starts_at, TimeBlock.id)
    )
    out = []
    for block, title, due_at, client_id, client_name, client_zone in rows:
        zone = client_zone or "UTC"
        day, minute = _local(block.starts_at, prof.zone_name)
        _, end_minute = _local(block.ends_at, prof.zone_name)
        cday, cminute = _local(block.starts_at, zone)
        _, cend = _local(block.ends_at, zone)
        out.append(
            BlockView(
                block.id,
                block.membership_id,
                block.work_item_id,
                title,
                client_id,
                client_name,
                zone,
                block.starts_at,
                block.minutes,
                due_at,
                day,
                minute,
                end_minute,
                cday,
                cminute,
                cend,
            )
        )
    return out


def week_days(prof: Profile, monday: dt.date, blocks: list[BlockView]) -> list[Day]:
    """Seven local days: their working time as half-hour slots (time off and holidays left
    out), with each block in the slot it starts in (or aside when it is not in one)."""
    start, end = week_bounds_utc(prof, monday)
    days = {monday + dt.timedelta(days=d): Day(monday + dt.timedelta(days=d)) for d in range(7)}
    for day in days.values():
        day.hours = list(prof.schedule[day.date.weekday()])
    for day, name in member_holidays(prof, monday, monday + dt.timedelta(days=6)).items():
        days[day].holiday = name
    for off in approved_time_off([prof.membership_id], monday, monday + dt.timedelta(days=6)).get(
        prof.membership_id, []
    ):
        cursor = max(off.starts_on, monday)
        while cursor <= min(off.ends_on, monday + dt.timedelta(days=6)):
            days[cursor].time_off = True
            cursor += dt.timedelta(days=1)
    step = dt.timedelta(minutes=SLOT_MINUTES)
    for a, b in _working(prof, start, end):
        cursor = a
        while cursor < b:
            day, minute = _local(cursor, prof.zone_name)
            if day in days:
                days[day].slots.append(Slot(cursor, minute))
            cursor += step
    for block in blocks:
        day = days.get(block.local_day)
        if day is None:
            continue
        slot = next((s for s in day.slots if s.start <= block.starts_at < s.start + step), None)
        (slot.blocks if slot is not None else day.stray).append(block)
    return [days[d] for d in sorted(days)]


def _working(prof: Profile, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return working_intervals_utc(prof.membership_id, start, end)


@dataclass(frozen=True)
class OpenItem:
    id: int
    title: str
    client_name: str
    due_at: dt.datetime | None
    estimate_minutes: int | None
    logged_minutes: int
    blocked_minutes: int  # blocks not over yet

    @property
    def remaining(self) -> int | None:
        if self.estimate_minutes is None:
            return None
        return max(0, self.estimate_minutes - self.logged_minutes)

    @property
    def unblocked(self) -> int | None:
        if self.remaining is None:
            return None
        return max(0, self.remaining - self.blocked_minutes)


def open_items(membership_id: int) -> list[OpenItem]:
    """The member's open work items, soonest due first, with time logged (the item's own
    total, app.time.logged) and the minutes of their blocks still to come (two statements:
    the items, then the member's blocks that may not have ended, at most a block's longest
    length ago)."""
    now = utcnow()
    ahead: dict[int, int] = defaultdict(int)
    for item_id, starts_at, minutes in db.session.execute(
        sa.select(TimeBlock.work_item_id, TimeBlock.starts_at, TimeBlock.minutes).where(
            TimeBlock.membership_id == membership_id,
            TimeBlock.starts_at > now - dt.timedelta(minutes=MAX_MINUTES),
        )
    ):
        if starts_at + dt.timedelta(minutes=minutes) > now:
            ahead[item_id] += minutes
    rows = db.session.execute(
        sa.select(
            WorkItem.id,
            WorkItem.title,
            Client.name,
            WorkItem.due_at,
            WorkItem.estimate_minutes,
            WorkItem.logged_seconds,
        )
        .join(Client, Client.id == WorkItem.client_id)
        .where(WorkItem.assignee_id == membership_id, WorkItem.state.in_(OPEN_STATES))
        .order_by(WorkItem.due_at.asc().nulls_last(), WorkItem.id)
    )
    rows = [(*row, ahead.get(row[0], 0)) for row in rows]
    return [
        OpenItem(i, t, c, due, est, int(sec) // 60, int(mins))
        for i, t, c, due, est, sec, mins in rows
    ]


def member_profile(member: Membership) -> Profile:
    return profile(member)


def blocks_by_day(blocks: list[BlockView]) -> dict[dt.date, list[BlockView]]:
    out: dict[dt.date, list[BlockView]] = defaultdict(list)
    for block in blocks:
        out[block.local_day].append(block)
    return out
