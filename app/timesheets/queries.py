"""Read side of timesheets: the settings row, week boundaries, one person's week, the team
queue with its totals, and the late weeks of the dashboard.

Every `get_<noun>_or_404` loads through `visible_timesheets`; the tenant filter is added by
the data layer on top.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.clock import today_in
from app.core.permissions import Actor
from app.extensions import db
from app.time.models import TimeEntry
from app.time.queries import own_or_everyones, person_zone
from app.timesheets.models import WEEK_STARTS, Timesheet, TimesheetSettings
from app.timesheets.policy import TRACKERS
from app.users.models import Membership, User

SETTINGS_DEFAULTS = {"week_start": "monday", "assigned_managers_only": False}


def timesheet_settings() -> TimesheetSettings:
    """The agency's settings row, or an unsaved one with the defaults."""
    row = db.session.scalar(sa.select(TimesheetSettings))
    return row if row is not None else TimesheetSettings(**SETTINGS_DEFAULTS)


def first_weekday() -> int:
    """The Python weekday the agency's weeks start on (0 Monday)."""
    return WEEK_STARTS.get(timesheet_settings().week_start, 0)


def week_start_of(day: dt.date, first: int | None = None) -> dt.date:
    """The first day of `day`'s week, weeks starting on weekday `first`."""
    first = first_weekday() if first is None else first
    return day - dt.timedelta(days=(day.weekday() - first) % 7)


def visible_timesheets(actor: Actor) -> sa.Select:
    """Owners and managers see every timesheet; a VA their own; anyone else none."""
    return own_or_everyones(actor, sa.select(Timesheet), Timesheet.membership_id)


def get_timesheet_or_404(actor: Actor, timesheet_id: int) -> Timesheet:
    sheet = db.session.scalar(visible_timesheets(actor).where(Timesheet.id == timesheet_id))
    if sheet is None:
        raise NotFound()
    return sheet


def timesheet_of(membership_id: int, week_start: dt.date) -> Timesheet | None:
    return db.session.scalar(
        sa.select(Timesheet).where(
            Timesheet.membership_id == membership_id, Timesheet.week_start == week_start
        )
    )


def timesheet_for_day(membership_id: int, day: dt.date) -> Timesheet | None:
    """The timesheet of the week `day` is in (None: an open week)."""
    return timesheet_of(membership_id, week_start_of(day))


def week_entries(membership_id: int, start: dt.date) -> sa.Select:
    return sa.select(TimeEntry).where(
        TimeEntry.membership_id == membership_id,
        TimeEntry.entry_date.between(start, start + dt.timedelta(days=6)),
    )


@dataclass
class WeekBox:
    """The state box of My time: the week, its timesheet (if any) and what may be done."""

    start: dt.date
    end: dt.date
    sheet: Timesheet | None
    state: str  # open, submitted, approved, rejected, reopened
    may_submit: bool


def week_box(actor: Actor, member: Membership, any_day: dt.date) -> WeekBox:
    from app.timesheets.policy import can_submit_for

    start = week_start_of(any_day)
    sheet = timesheet_of(member.id, start)
    state = sheet.state if sheet is not None else "open"
    today = today_in(person_zone(member))
    may_submit = (
        state in ("open", "rejected", "reopened")
        and start <= today
        and can_submit_for(actor, member.id)
    )
    return WeekBox(start, start + dt.timedelta(days=6), sheet, state, may_submit)


# --- the team queue ----------------------------------------------------------------------------


@dataclass
class ClientTotal:
    client_id: int
    name: str
    seconds: int = 0
    billable_seconds: int = 0


@dataclass
class Row:
    sheet: Timesheet
    seconds: int = 0
    billable_seconds: int = 0
    clients: list[ClientTotal] = field(default_factory=list)


def team_query(filters: dict) -> sa.Select:
    stmt = (
        sa.select(Timesheet)
        .join(Membership, Membership.id == Timesheet.membership_id)
        .join(User, User.id == Membership.user_id)
    )
    state = filters.get("state") or "submitted"
    if state != "all":
        stmt = stmt.where(Timesheet.state == state)
    if filters.get("week"):
        stmt = stmt.where(Timesheet.week_start == week_start_of(filters["week"]))
    if filters.get("member_id"):
        stmt = stmt.where(Timesheet.membership_id == filters["member_id"])
    return stmt.order_by(Timesheet.week_start.desc(), User.name, Timesheet.id)


def team_rows(filters: dict, limit: int = 200) -> list[Row]:
    """The queue: timesheets matching the filters, with their totals per person and per
    client (hours and billable hours), in two statements whatever the number of people."""
    sheets = list(db.session.scalars(team_query(filters).limit(limit)))
    rows = [Row(s) for s in sheets]
    if not rows:
        return rows
    first = first_weekday()
    by_key = {(r.sheet.membership_id, r.sheet.week_start): r for r in rows}
    seconds = sa.func.coalesce(TimeEntry.duration_seconds, 0)
    totals = db.session.execute(
        sa.select(
            TimeEntry.membership_id,
            TimeEntry.entry_date,
            Client.id,
            Client.name,
            sa.func.sum(seconds),
            sa.func.sum(sa.case((TimeEntry.billable.is_(True), seconds), else_=0)),
        )
        .join(Client, Client.id == TimeEntry.client_id)
        .where(
            TimeEntry.membership_id.in_({r.sheet.membership_id for r in rows}),
            TimeEntry.entry_date.between(
                min(r.sheet.week_start for r in rows),
                max(r.sheet.week_start for r in rows) + dt.timedelta(days=6),
            ),
        )
        .group_by(TimeEntry.membership_id, TimeEntry.entry_date, Client.id, Client.name)
        .order_by(Client.name, Client.id)
    ).all()
    for membership_id, day, client_id, name, total, billable in totals:
        row = by_key.get((membership_id, week_start_of(day, first)))
        if row is None:
            continue
        total, billable = int(total or 0), int(billable or 0)
        found = next((c for c in row.clients if c.client_id == client_id), None)
        if found is None:
            found = ClientTotal(client_id, name)
            row.clients.append(found)
        found.seconds += total
        found.billable_seconds += billable
        row.seconds += total
        row.billable_seconds += billable
    return rows


def client_totals(rows: list[Row]) -> list[ClientTotal]:
    """The queue's time per client, over every week listed (by client name)."""
    totals: dict[int, ClientTotal] = {}
    for row in rows:
        for c in row.clients:
            total = totals.setdefault(c.client_id, ClientTotal(c.client_id, c.name))
            total.seconds += c.seconds
            total.billable_seconds += c.billable_seconds
    return sorted(totals.values(), key=lambda c: (c.name.lower(), c.client_id))


def staff_members() -> list[Membership]:
    stmt = (
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(TRACKERS), Membership.status == "active")
        .order_by(User.name, Membership.id)
    )
    return list(db.session.scalars(stmt))


# --- late weeks ---------------------------------------------------------------------------------


@dataclass
class Late:
    member: Membership
    week_start: dt.date
    state: str  # open (not submitted) or submitted (not approved)


def late_timesheets(today: dt.date, limit: int = 20) -> list[Late]:
    """Last week's timesheets not submitted by the people who tracked time in it, or
    submitted and not approved yet (two statements). `today` is the agency's day."""
    start = week_start_of(today) - dt.timedelta(days=7)
    end = start + dt.timedelta(days=6)
    sheets = {
        s.membership_id: s
        for s in db.session.scalars(sa.select(Timesheet).where(Timesheet.week_start == start))
    }
    tracked = list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.status == "active",
                Membership.role.in_(TRACKERS),
                sa.exists().where(
                    TimeEntry.membership_id == Membership.id,
                    TimeEntry.entry_date.between(start, end),
                ),
            )
            .order_by(User.name, Membership.id)
        )
    )
    late: list[Late] = []
    for member in tracked:
        sheet = sheets.get(member.id)
        state = sheet.state if sheet is not None else "open"
        if state != "approved":
            late.append(Late(member, start, state))
    return late[:limit]
