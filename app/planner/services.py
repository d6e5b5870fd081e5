"""Write side of the week planner: plan, move, resize and remove time blocks.

A block must be of an open work item assigned to the member, fall inside the member's
working time (their hours in their zone; not on time off or a public holiday) and not
overlap another of their blocks; otherwise `ValidationFailed` names the field. Warnings do
not stop a block: it ends after the item is due, or its week is over capacity or has under
15 % buffer. Services take the actor explicitly, flush but never commit, and record an audit
event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.capacity.intervals import total_minutes
from app.capacity.queries import profile, working_intervals_utc
from app.capacity.workload import BUFFER, Cell, week_cell
from app.core.clock import today_in
from app.core.errors import Forbidden, ValidationFailed
from app.core.formatting import format_datetime, format_percent
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.planner.models import MAX_MINUTES, TimeBlock
from app.planner.policy import can_plan_for
from app.planner.queries import monday_of
from app.users.models import Membership
from app.work.models import OPEN_STATES, WorkItem

FIELDS = ("membership_id", "work_item_id", "starts_at", "minutes")


def _item_problem(member: Membership, work_item_id: int) -> tuple[WorkItem | None, str | None]:
    item = db.session.get(WorkItem, work_item_id)
    if item is None or item.assignee_id != member.id or item.state not in OPEN_STATES:
        return None, _("Choose an open work item assigned to this person.")
    return item, None


def _time_problem(
    member: Membership, starts_at: dt.datetime, minutes: int, exclude_id: int | None
) -> str | None:
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    hours = working_intervals_utc(member.id, starts_at, ends_at, absences=False)
    if total_minutes(hours) < minutes:
        return _("Outside working hours: a block must fit in the day's working hours.")
    working = working_intervals_utc(member.id, starts_at, ends_at)
    if total_minutes(working) < minutes:
        return _("On time off or a public holiday.")
    # Serialise the member's planning so two requests cannot book the same time.
    db.session.execute(sa.select(Membership.id).where(Membership.id == member.id).with_for_update())
    stmt = sa.select(TimeBlock).where(
        TimeBlock.membership_id == member.id,
        TimeBlock.starts_at < ends_at,
        TimeBlock.starts_at > starts_at - dt.timedelta(minutes=MAX_MINUTES),
    )
    if exclude_id is not None:
        stmt = stmt.where(TimeBlock.id != exclude_id)
    for other in db.session.scalars(stmt):
        if other.ends_at > starts_at:
            return _("Overlaps another block (%(start)s).", start=_when(member, other.starts_at))
    return None


def _when(member: Membership, instant: dt.datetime) -> str:
    return format_datetime(instant, profile(member).zone_name)


def _check(
    member: Membership,
    starts_at: dt.datetime,
    minutes: int,
    *,
    time_field: str,
    work_item_id: int | None = None,
    exclude_id: int | None = None,
) -> WorkItem | None:
    errors: dict[str, list[str]] = {}
    item = None
    if work_item_id is not None:
        item, problem = _item_problem(member, work_item_id)
        if problem:
            errors["work_item_id"] = [problem]
    problem = _time_problem(member, starts_at, minutes, exclude_id)
    if problem:
        errors[time_field] = [problem]
    if errors:
        raise ValidationFailed(errors)
    return item


def create_block(
    actor: Actor, member: Membership, data: dict, *, time_field: str = "starts_at"
) -> TimeBlock:
    """Plan `minutes` of work on `work_item_id` from `starts_at` (UTC)."""
    if not can_plan_for(actor, member.id):
        raise Forbidden(_("You can only plan your own week."))
    starts_at, minutes = data["starts_at"], data["minutes"]
    _check(member, starts_at, minutes, time_field=time_field, work_item_id=data["work_item_id"])
    block = TimeBlock(
        membership_id=member.id,
        work_item_id=data["work_item_id"],
        starts_at=starts_at,
        minutes=minutes,
        created_by_id=actor.user_id,
    )
    db.session.add(block)
    db.session.flush()
    record(
        actor,
        "time_block.created",
        block,
        summary=f"Time block of membership {member.id} on work item {block.work_item_id} planned",
        after=snapshot(block, FIELDS),
    )
    return block


def update_block(
    actor: Actor, block: TimeBlock, data: dict, *, time_field: str = "starts_at"
) -> TimeBlock:
    """Move (`starts_at`) and/or resize (`minutes`) a block."""
    if not can_plan_for(actor, block.membership_id):
        raise Forbidden(_("You can only plan your own week."))
    member = db.session.get(Membership, block.membership_id)
    starts_at = data.get("starts_at") or block.starts_at
    minutes = data.get("minutes") or block.minutes
    _check(member, starts_at, minutes, time_field=time_field, exclude_id=block.id)
    before = snapshot(block, FIELDS)
    block.starts_at, block.minutes = starts_at, minutes
    db.session.flush()
    old, new = changed(before, snapshot(block, FIELDS))
    if new:
        record(
            actor,
            "time_block.updated",
            block,
            summary=f"Time block {block.id} changed",
            before=old,
            after=new,
        )
    return block


def delete_block(actor: Actor, block: TimeBlock) -> None:
    if not can_plan_for(actor, block.membership_id):
        raise Forbidden(_("You can only plan your own week."))
    record(
        actor,
        "time_block.deleted",
        block,
        summary=f"Time block {block.id} removed",
        before=snapshot(block, FIELDS),
    )
    db.session.delete(block)
    db.session.flush()


def block_warnings(block: TimeBlock) -> list[str]:
    """What to tell about a saved block: it ends after its item is due; its week is over
    capacity or has under 15 % buffer (planned hours from the workload, blocks included)."""
    out = []
    item = db.session.get(WorkItem, block.work_item_id)
    prof = profile(block.membership_id)
    if item is not None and item.due_at is not None and block.ends_at > item.due_at:
        out.append(
            _(
                "This block ends after the work item is due (%(due)s).",
                due=format_datetime(item.due_at, prof.zone_name),
            )
        )
    monday = monday_of(block.starts_at.astimezone(prof.zone).date())
    this_monday = monday_of(today_in(prof.zone_name))
    out.extend(week_warnings(block.membership_id, monday, this_monday))
    return out


def week_warnings(membership_id: int, monday: dt.date, this_monday: dt.date) -> list[str]:
    """Over capacity, or under 15 % buffer, for the member's week from `monday` (planned
    time as the heat map counts it from this week, `this_monday`)."""
    return cell_warnings(week_cell(membership_id, monday, this_monday))


def cell_warnings(cell: Cell | None) -> list[str]:
    if cell is None:
        return []
    load = format_percent(Decimal(cell.load_percent) / 100)
    if cell.over:
        return [
            _(
                "This week is over capacity: %(percent)s of the working time is planned.",
                percent=load,
            )
        ]
    if cell.low_buffer:
        return [
            _(
                "This week has under %(buffer)s buffer: "
                "%(percent)s of the working time is planned.",
                buffer=format_percent(BUFFER),
                percent=load,
            )
        ]
    return []
