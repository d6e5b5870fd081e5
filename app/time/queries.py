"""Read side of time: what each actor may see, weeks, totals and the running timer.

Every `get_<noun>_or_404` loads through the matching `visible_<nouns>` query; the tenant
filter is added by the data layer on top.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.clients.queries import visible_clients
from app.core.clock import today_in, utcnow
from app.core.pagination import Page, paginate
from app.core.permissions import Actor
from app.extensions import db
from app.time.models import DEFAULT_ACTIVITIES, Activity, TimeEntry
from app.time.policy import TRACKERS
from app.users.models import Membership, User
from app.work.models import WorkItem


def person_zone(membership: Membership) -> str:
    """The person's time zone: days and times of their entries are theirs."""
    return getattr(membership.user, "time_zone", None) or "UTC"


def own_or_everyones(actor: Actor, stmt: sa.Select, membership_id: Any) -> sa.Select:
    """`stmt` narrowed to what `actor` sees of people's time (entries, timesheets): owners
    and managers everyone's, a VA the rows whose `membership_id` is theirs, others none."""
    if actor.is_manager:
        return stmt
    if actor.role == "va":
        return stmt.where(membership_id == actor.membership.id)
    return stmt.where(sa.false())


def visible_entries(actor: Actor) -> sa.Select:
    return own_or_everyones(actor, sa.select(TimeEntry), TimeEntry.membership_id)


def get_entry_or_404(actor: Actor, entry_id: int) -> TimeEntry:
    entry = db.session.scalar(visible_entries(actor).where(TimeEntry.id == entry_id))
    if entry is None:
        raise NotFound()
    return entry


def get_activity_or_404(actor: Actor, activity_id: int) -> Activity:
    activity = db.session.scalar(sa.select(Activity).where(Activity.id == activity_id))
    if activity is None or not actor.is_manager:
        raise NotFound()
    return activity


def running_entry(membership_id: int) -> TimeEntry | None:
    """The member's running timer, if any."""
    return db.session.scalar(
        sa.select(TimeEntry).where(
            TimeEntry.membership_id == membership_id,
            TimeEntry.started_at.is_not(None),
            TimeEntry.ended_at.is_(None),
        )
    )


RECENT_DAYS = 62  # the top bar offers the clients timed in about the last two months


def bar_entries(actor: Actor, limit: int = 8) -> list[TimeEntry]:
    """For the top bar, in one statement: the actor's latest entry per client, the running
    timer first, then the clients they timed most recently and may still time (visible, not
    archived). "Recently" is the last RECENT_DAYS: the read stays a short range of the
    member's index however many years of entries they have."""
    membership_id = actor.membership.id
    last = sa.func.coalesce(TimeEntry.started_at, TimeEntry.created_at)
    running = sa.and_(TimeEntry.started_at.is_not(None), TimeEntry.ended_at.is_(None))
    since = utcnow().date() - dt.timedelta(days=RECENT_DAYS)
    ranked = (
        sa.select(
            TimeEntry.id,
            sa.func.row_number()
            .over(partition_by=TimeEntry.client_id, order_by=(last.desc(), TimeEntry.id.desc()))
            .label("rank"),
        )
        .where(
            TimeEntry.membership_id == membership_id,
            sa.or_(TimeEntry.entry_date >= since, running),
        )
        .subquery()
    )
    stmt = (
        sa.select(TimeEntry)
        .join(ranked, sa.and_(ranked.c.id == TimeEntry.id, ranked.c.rank == 1))
        .where(
            sa.or_(
                running,
                TimeEntry.client_id.in_(
                    visible_clients(actor)
                    .where(Client.archived_at.is_(None))
                    .with_only_columns(Client.id)
                    .order_by(None)
                ),
            )
        )
        .order_by(sa.case((running, 0), else_=1), last.desc(), TimeEntry.id.desc())
        .limit(limit)
        .options(sa.orm.defaultload(TimeEntry.client).lazyload(Client.contacts))
    )
    return list(db.session.scalars(stmt))


def activities(*, include_inactive: bool = False) -> list[Activity]:
    stmt = sa.select(Activity).order_by(Activity.name, Activity.id)
    if not include_inactive:
        stmt = stmt.where(Activity.active.is_(True))
    return list(db.session.scalars(stmt))


def activity_label(activity: Activity | None) -> str:
    """An activity's name; the defaults every agency starts with in the reader's language."""
    return activity_name_label(activity.name if activity is not None else None)


def activity_name_label(name: str | None) -> str:
    """`activity_label` of a name read without its row (reports)."""
    if name is None:
        return ""
    if name in DEFAULT_ACTIVITIES:
        from app.core.translation import gettext

        return gettext(name)
    return name


def trackable_clients(actor: Actor, limit: int = 200) -> list[Client]:
    """Clients the actor may record time for (not archived), by name."""
    stmt = (
        visible_clients(actor)
        .where(Client.archived_at.is_(None))
        .order_by(Client.name, Client.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def trackers(actor: Actor) -> list[Membership]:
    """The people whose time the actor may enter: everyone who records time (managers), or
    only themselves."""
    if not actor.is_manager:
        return [actor.membership]
    stmt = (
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(TRACKERS), Membership.status == "active")
        .order_by(User.name, Membership.id)
    )
    return list(db.session.scalars(stmt))


# The weekday (0 Monday) My time's weeks start on: the agency's timesheet setting once
# app.timesheets registers it; Monday until then.
FIRST_WEEKDAY: list[Callable[[], int]] = []


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def my_week_start(day: dt.date) -> dt.date:
    """The first day of `day`'s week as the agency counts weeks (see `FIRST_WEEKDAY`)."""
    first = FIRST_WEEKDAY[0]() if FIRST_WEEKDAY else 0
    return day - dt.timedelta(days=(day.weekday() - first) % 7)


@dataclass
class Day:
    date: dt.date
    entries: list[TimeEntry] = field(default_factory=list)
    seconds: int = 0


@dataclass
class Week:
    start: dt.date
    days: list[Day]
    seconds: int
    today: dt.date

    @property
    def previous(self) -> dt.date:
        return self.start - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.start + dt.timedelta(days=7)


def _ordered(stmt: sa.Select) -> sa.Select:
    return stmt.order_by(
        TimeEntry.entry_date,
        sa.func.coalesce(TimeEntry.started_at, TimeEntry.created_at),
        TimeEntry.id,
    )


# What a week's rows show, and no more: the person is the week's (from the session's
# identity map), the client's name and zone, the work item's title. A busy week is 150 rows.
WEEK_ROW_OPTIONS = (
    sa.orm.lazyload(TimeEntry.member),
    sa.orm.joinedload(TimeEntry.client, innerjoin=True).options(
        sa.orm.load_only(Client.id, Client.name, Client.time_zone),
        sa.orm.lazyload(Client.service_package),
        sa.orm.lazyload(Client.contacts),
    ),
    sa.orm.joinedload(TimeEntry.work_item).load_only(WorkItem.id, WorkItem.title),
)


def week_of(actor: Actor, membership: Membership, any_day: dt.date | None = None) -> Week:
    """A member's entries of one week (from the agency's first day of the week, days in the
    person's zone), with per-day and week totals (a running timer counts up to now)."""
    zone = person_zone(membership)
    today = today_in(zone)
    start = my_week_start(any_day or today)
    end = start + dt.timedelta(days=6)
    stmt = visible_entries(actor).where(
        TimeEntry.membership_id == membership.id,
        TimeEntry.entry_date.between(start, end),
    )
    entries = list(db.session.scalars(_ordered(stmt).options(*WEEK_ROW_OPTIONS)))
    now = utcnow()
    days = [Day(start + dt.timedelta(days=i)) for i in range(7)]
    for entry in entries:
        day = days[(entry.entry_date - start).days]
        day.entries.append(entry)
        day.seconds += entry.seconds(now)
    return Week(start, days, sum(d.seconds for d in days), today)


def entries_query(actor: Actor, filters: dict) -> sa.Select:
    """Visible entries matching the list filters (member, client, work item, date range),
    newest first."""
    stmt = visible_entries(actor)
    if filters.get("member_id"):
        stmt = stmt.where(TimeEntry.membership_id == filters["member_id"])
    if filters.get("client_id"):
        stmt = stmt.where(TimeEntry.client_id == filters["client_id"])
    if filters.get("work_item_id"):
        stmt = stmt.where(TimeEntry.work_item_id == filters["work_item_id"])
    if filters.get("date_from"):
        stmt = stmt.where(TimeEntry.entry_date >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(TimeEntry.entry_date <= filters["date_to"])
    return stmt.order_by(TimeEntry.entry_date.desc(), TimeEntry.id.desc())


def entries_page(actor: Actor, filters: dict) -> Page:
    return paginate(entries_query(actor, filters), filters["page"], filters["per_page"])


def _epoch(column: sa.ColumnElement) -> sa.ColumnElement:
    """SQL: seconds since 1970 of a timestamp column (PostgreSQL, or SQLite's julian days)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", column)
    return (sa.func.julianday(column) - 2440587.5) * 86400.0


def recorded_seconds(now: dt.datetime) -> sa.ColumnElement:
    """SQL: an entry's length in seconds; a running timer's up to `now` (as `seconds()`)."""
    running = sa.and_(TimeEntry.started_at.is_not(None), TimeEntry.ended_at.is_(None))
    return sa.case(
        (running, now.timestamp() - _epoch(TimeEntry.started_at)),
        else_=sa.func.coalesce(TimeEntry.duration_seconds, 0),
    )


def whole(value: object) -> int:
    """A SUM of seconds as whole seconds (PostgreSQL answers numeric, SQLite float)."""
    return int(round(float(value or 0)))


@dataclass
class Totals:
    """Time recorded: entries, seconds, and the billable seconds among them."""

    entries: int = 0
    seconds: int = 0
    billable_seconds: int = 0


def time_totals(
    actor: Actor, *, client_id: int | None = None, work_item_id: int | None = None
) -> Totals:
    """The actor's visible time of a client or a work item, in one statement (a VA's own
    time; a running timer up to now)."""
    seconds = recorded_seconds(utcnow())
    stmt = visible_entries(actor)
    if client_id is not None:
        stmt = stmt.where(TimeEntry.client_id == client_id)
    if work_item_id is not None:
        stmt = stmt.where(TimeEntry.work_item_id == work_item_id)
    row = db.session.execute(
        stmt.with_only_columns(
            sa.func.count(TimeEntry.id),
            sa.func.sum(seconds),
            sa.func.sum(sa.case((TimeEntry.billable.is_(True), seconds), else_=0)),
        )
    ).one()
    return Totals(int(row[0] or 0), whole(row[1]), whole(row[2]))


def total_seconds(entries: list[TimeEntry]) -> int:
    now = utcnow()
    return sum(e.seconds(now) for e in entries)


def local(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    return value.astimezone(zoneinfo.ZoneInfo(zone)) if value is not None else None


def trackable_work_items(actor: Actor, current_id: int | None = None, limit: int = 300) -> list:
    """Open work items (not delivered, not cancelled) of the clients the actor may record
    time for, by client and title; plus the entry's own, whatever its state."""
    from sqlalchemy.orm import contains_eager

    from app.work.models import WorkItem
    from app.work.queries import visible_work_items

    open_items = sa.and_(WorkItem.delivered_at.is_(None), WorkItem.cancelled_at.is_(None))
    wanted = sa.or_(open_items, WorkItem.id == current_id) if current_id else open_items
    stmt = (
        visible_work_items(actor)
        .join(Client, Client.id == WorkItem.client_id)
        .where(wanted, Client.archived_at.is_(None))
        .options(contains_eager(WorkItem.client))
        .order_by(Client.name, Client.id, WorkItem.title, WorkItem.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
