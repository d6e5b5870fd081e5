"""Time blocks as planned hours in the workload (app.capacity.workload.PLANNED_BLOCKS).

A block counts in the week (Monday to Sunday in its member's zone) it starts in. Only
blocks of open work items still assigned to the block's member count. The part of a block
still to come (after now) is what the item's remaining estimate is reduced by before the
rest of it is spread over the weeks: the past part of a block is work done, already off the
remaining estimate through the time logged on it. One statement whatever the number of
members.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from app.capacity.intervals import zone_of
from app.capacity.workload import PLANNED_BLOCKS, Blocked
from app.core.clock import utcnow
from app.core.db import among
from app.extensions import db
from app.planner.models import TimeBlock
from app.users.models import Membership, User
from app.work.models import OPEN_STATES, WorkItem


def planned_blocks(member_ids: Iterable[int], first_week_start: dt.date, weeks: int) -> Blocked:
    ids = sorted(set(member_ids))
    by_week: dict[tuple[int, dt.date], int] = defaultdict(int)
    by_item: dict[int, int] = defaultdict(int)
    if not ids or weeks <= 0:
        return Blocked(by_week, by_item)
    now = utcnow()
    # A day of margin either side of UTC midnight covers every zone's local Monday.
    earliest = dt.datetime.combine(first_week_start, dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        days=1
    )
    rows = db.session.execute(
        sa.select(
            TimeBlock.membership_id,
            TimeBlock.work_item_id,
            TimeBlock.starts_at,
            TimeBlock.minutes,
            User.time_zone,
        )
        .join(
            WorkItem,
            sa.and_(
                WorkItem.id == TimeBlock.work_item_id,
                WorkItem.assignee_id == TimeBlock.membership_id,
            ),
        )
        .join(Membership, Membership.id == TimeBlock.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(
            among(TimeBlock.membership_id, ids),
            TimeBlock.starts_at >= min(earliest, now - dt.timedelta(days=1)),
            WorkItem.state.in_(OPEN_STATES),
        )
    )
    for member_id, item_id, starts_at, minutes, zone in rows:
        ends_at = starts_at + dt.timedelta(minutes=minutes)
        if ends_at > now:
            to_come = min(minutes, int((ends_at - max(starts_at, now)).total_seconds() // 60))
            by_item[item_id] += to_come
        local_day = starts_at.astimezone(zone_of(zone)).date()
        week = (local_day - first_week_start).days // 7
        if 0 <= week < weeks:
            by_week[(member_id, first_week_start + dt.timedelta(days=7 * week))] += minutes
    return Blocked(dict(by_week), dict(by_item))


def register_planner_hooks() -> None:
    """Count time blocks in the workload (the app factory calls this; safe to call again)."""
    if planned_blocks not in PLANNED_BLOCKS:
        PLANNED_BLOCKS.append(planned_blocks)
