"""Read side of the time report: the filters, the one aggregate statement per report, and the
choices the report's form offers.

An entry's state comes from its columns: `running` (a timer: started, not ended), `billed`
(on an invoice), `approved` (by a timesheet), else `open`. Days are the entries' own
`entry_date` (the day in the person's zone). Seconds are `recorded_seconds`: a running
timer counts up to now, as on the time pages.

Every figure of a report comes from one grouped statement over the visible entries (a VA's
own; owners' and managers' everyone's); weeks and months are days summed here, so the
statement is the same on PostgreSQL and SQLite. Labels are read in the same statement,
except SOP titles, which come in the reader's language from one more (SOP grouping only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.clients.models import Client
from app.clients.queries import visible_clients
from app.core.formatting import format_day, month_label, reader_locale
from app.core.permissions import Actor
from app.core.translation import gettext, lazy_gettext
from app.extensions import db
from app.reports.policy import sees_everyones_time
from app.sops.localize import localized_titles
from app.sops.models import Sop, SopVersion
from app.time.models import Activity, TimeEntry
from app.time.queries import (
    activities,
    activity_name_label,
    recorded_seconds,
    trackers,
    visible_entries,
    week_start,
    whole,
)
from app.users.models import Membership, User
from app.work.models import WorkItem

STATE_LABELS = {
    "running": lazy_gettext("Timer running"),
    "open": lazy_gettext("Not approved yet"),
    "approved": lazy_gettext("Approved"),
    "billed": lazy_gettext("Billed"),
}
GROUP_LABELS = {
    "client": lazy_gettext("Client"),
    "member": lazy_gettext("Person"),
    "sop": lazy_gettext("SOP"),
    "activity": lazy_gettext("Activity"),
    "billable": lazy_gettext("Billable"),
    "state": lazy_gettext("State"),
    "day": lazy_gettext("Day"),
    "week": lazy_gettext("Week"),
    "month": lazy_gettext("Month"),
}
CHART_TITLES = {
    "client": lazy_gettext("Hours by client"),
    "member": lazy_gettext("Hours by person"),
    "sop": lazy_gettext("Hours by SOP"),
    "activity": lazy_gettext("Hours by activity"),
    "billable": lazy_gettext("Hours billable or not"),
    "state": lazy_gettext("Hours by state"),
    "day": lazy_gettext("Hours by day"),
    "week": lazy_gettext("Hours by week"),
    "month": lazy_gettext("Hours by month"),
}
PERIOD_LABELS = {
    "this_week": lazy_gettext("This week"),
    "last_week": lazy_gettext("Last week"),
    "this_month": lazy_gettext("This month"),
    "last_month": lazy_gettext("Last month"),
    "this_year": lazy_gettext("This year"),
    "all": lazy_gettext("All time"),
    "custom": lazy_gettext("Custom dates"),
}
CALENDAR_GROUPS = ("day", "week", "month")
MAX_OPTIONS = 500


# --- periods ---------------------------------------------------------------------------------


@dataclass
class Period:
    name: str
    start: dt.date | None
    end: dt.date | None


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def resolve_period(args: dict, today: dt.date) -> Period:
    """The days the report covers: `period` from `today`, or the custom dates (the default
    is this month, or custom when dates are given)."""
    dated = args.get("date_from") or args.get("date_to")
    name = args.get("period") or ("custom" if dated else "this_month")
    if name == "custom":
        return Period(name, args.get("date_from"), args.get("date_to"))
    if name == "all":
        return Period(name, None, None)
    if name in ("this_week", "last_week"):
        start = week_start(today) - dt.timedelta(days=7 if name == "last_week" else 0)
        return Period(name, start, start + dt.timedelta(days=6))
    if name == "this_month":
        return Period(name, today.replace(day=1), _month_end(today))
    if name == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return Period(name, end.replace(day=1), end)
    return Period(name, dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))


# --- the statement ---------------------------------------------------------------------------


def _text(value: str) -> sa.ColumnElement:
    # A constant written into the SQL, not bound: PostgreSQL then sees the CASE in the
    # select list and in GROUP BY as the same expression. Only the states are ever written.
    if value not in STATE_LABELS:
        raise ValueError(f"not a state: {value!r}")
    return sa.literal_column(f"'{value}'", sa.String)


def entry_state() -> sa.ColumnElement:
    """SQL: running, billed, approved or open, from the entry's columns."""
    return sa.case(
        (
            sa.and_(TimeEntry.started_at.is_not(None), TimeEntry.ended_at.is_(None)),
            _text("running"),
        ),
        (TimeEntry.invoice_id.is_not(None), _text("billed")),
        (TimeEntry.approved_at.is_not(None), _text("approved")),
        else_=_text("open"),
    )


def filtered(actor: Actor, args: dict, period: Period, *columns: Any) -> sa.Select:
    """`columns` of the visible entries that match the filters (joined to their work item,
    for the SOP)."""
    stmt = (
        visible_entries(actor)
        .with_only_columns(*columns)
        .select_from(TimeEntry)
        .outerjoin(WorkItem, WorkItem.id == TimeEntry.work_item_id)
    )
    if period.start is not None:
        stmt = stmt.where(TimeEntry.entry_date >= period.start)
    if period.end is not None:
        stmt = stmt.where(TimeEntry.entry_date <= period.end)
    simple = {
        "client_id": TimeEntry.client_id,
        "member_id": TimeEntry.membership_id,
        "activity_id": TimeEntry.activity_id,
        "sop_id": WorkItem.sop_id,
    }
    for name, column in simple.items():
        if args.get(name) is not None:
            stmt = stmt.where(column == args[name])
    if args.get("billable") in ("true", "false"):
        stmt = stmt.where(TimeEntry.billable.is_(args["billable"] == "true"))
    if args.get("state"):
        stmt = stmt.where(entry_state() == _text(args["state"]))
    return stmt


def _dimension(group: str) -> sa.ColumnElement:
    """The grouping key: day, week and month group by day here and are summed up after."""
    return {
        "client": TimeEntry.client_id,
        "member": TimeEntry.membership_id,
        "activity": TimeEntry.activity_id,
        "sop": WorkItem.sop_id,
        "billable": TimeEntry.billable,
        "state": entry_state(),
    }.get(group, TimeEntry.entry_date)


def _name_of(group: str, key: sa.ColumnElement) -> sa.ColumnElement:
    """The name of a shown row's key (looked up for the rows shown only), or NULL."""
    if group == "client":
        return sa.select(Client.name).where(Client.id == key).scalar_subquery()
    if group == "member":
        return (
            sa.select(User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.id == key)
            .scalar_subquery()
        )
    if group == "activity":
        return sa.select(Activity.name).where(Activity.id == key).scalar_subquery()
    return sa.null()


# --- the report ------------------------------------------------------------------------------


@dataclass
class Figures:
    """Time of one group (or of the whole report)."""

    key: Any = None
    label: str = ""
    entries: int = 0
    seconds: int = 0
    billable_seconds: int = 0

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)

    @property
    def billable_hours(self) -> float:
        return round(self.billable_seconds / 3600, 2)

    def add(self, entries: int, seconds: int, billable_seconds: int) -> None:
        self.entries += entries
        self.seconds += seconds
        self.billable_seconds += billable_seconds


@dataclass
class TimeReport:
    period: Period
    group: str
    totals: Figures
    groups: list[Figures] = field(default_factory=list)
    group_count: int = 0  # every group of the filters, shown or summed up in `others`
    others: Figures | None = None  # the groups after the largest ones shown


def _calendar_key(group: str, day: dt.date) -> dt.date:
    if group == "week":
        return week_start(day)
    if group == "month":
        return day.replace(day=1)
    return day


def _calendar_label(group: str, day: dt.date) -> str:
    if group == "week":
        return gettext("Week of %(day)s", day=format_day(day))
    if group == "month":
        return month_label(day.strftime("%Y-%m"), reader_locale())
    return format_day(day)


def sop_titles(ids: list[int]) -> dict[int, str]:
    """SOP titles in the reader's language (their current version's translation)."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Sop.id, Sop.title, SopVersion.definition)
        .outerjoin(SopVersion, SopVersion.id == Sop.current_version_id)
        .where(Sop.id.in_(ids))
    ).all()
    return localized_titles((r.id, r.definition or {"title": r.title}) for r in rows)


def _label(group: str, key: Any, name: str | None, titles: dict[int, str]) -> str:
    if group in CALENDAR_GROUPS:
        return _calendar_label(group, key)
    if group == "state":
        return str(STATE_LABELS.get(key, key))
    if group == "billable":
        return gettext("Billable") if key else gettext("Not billable")
    if group == "sop":
        return titles.get(key, gettext("Unknown SOP")) if key is not None else gettext("No SOP")
    if group == "activity":
        return activity_name_label(name) if key is not None else gettext("No activity")
    return name or ""


MAX_GROUPS = 100  # rows a report shows; the rest are summed up in one "others" row


def time_report(
    actor: Actor, args: dict, *, today: dt.date, now: dt.datetime, limit: int = MAX_GROUPS
) -> TimeReport:
    """The report of `args` (filters and `group`) in one statement: the entries summed per
    key, the totals and the number of groups over all keys (window sums), and the names of
    the `limit` largest groups only (calendar groups: every day, in order)."""
    group = args.get("group") or "client"
    period = resolve_period(args, today)
    seconds = recorded_seconds(now)
    key = _dimension(group)
    per_key = (
        filtered(
            actor,
            args,
            period,
            key.label("key"),
            sa.func.count().label("entries"),
            sa.func.sum(seconds).label("seconds"),
            sa.func.sum(sa.case((TimeEntry.billable.is_(True), seconds), else_=0)).label(
                "billable_seconds"
            ),
        )
        .group_by(key)
        .subquery()
    )
    ranked = sa.select(
        per_key,
        sa.func.sum(per_key.c.entries).over().label("all_entries"),
        sa.func.sum(per_key.c.seconds).over().label("all_seconds"),
        sa.func.sum(per_key.c.billable_seconds).over().label("all_billable_seconds"),
        sa.func.count().over().label("all_groups"),
    )
    if group in CALENDAR_GROUPS:
        ranked = ranked.order_by(per_key.c.key)
    else:
        ranked = ranked.order_by(per_key.c.seconds.desc(), per_key.c.key).limit(limit)
    shown = ranked.subquery()
    rows = db.session.execute(
        sa.select(shown, _name_of(group, shown.c.key).label("name")).order_by(
            *([shown.c.key] if group in CALENDAR_GROUPS else [shown.c.seconds.desc(), shown.c.key])
        )
    ).all()
    titles = sop_titles([r.key for r in rows if r.key is not None]) if group == "sop" else {}
    totals = Figures(label=gettext("Total"))
    group_count = 0
    if rows:
        first = rows[0]
        totals.add(
            int(first.all_entries), whole(first.all_seconds), whole(first.all_billable_seconds)
        )
        group_count = int(first.all_groups)
    groups: dict[Any, Figures] = {}
    for row in rows:
        row_key = _calendar_key(group, row.key) if group in CALENDAR_GROUPS else row.key
        figures = groups.get(row_key)
        if figures is None:
            label = _label(group, row_key, row.name, titles)
            figures = groups[row_key] = Figures(key=row_key, label=label)
        figures.add(int(row.entries), whole(row.seconds), whole(row.billable_seconds))
    if group in CALENDAR_GROUPS:
        ordered = sorted(groups.values(), key=lambda f: f.key)
        group_count = len(ordered)
    else:  # the same order as the statement's, ties by name as people read them
        ordered = sorted(groups.values(), key=lambda f: (-f.seconds, f.label.lower()))
    others = None
    if group_count > len(ordered):
        others = Figures(label=gettext("Others"))
        others.add(
            totals.entries - sum(f.entries for f in ordered),
            totals.seconds - sum(f.seconds for f in ordered),
            totals.billable_seconds - sum(f.billable_seconds for f in ordered),
        )
    return TimeReport(
        period=period,
        group=group,
        totals=totals,
        groups=ordered,
        group_count=group_count,
        others=others,
    )


# --- the form's choices ----------------------------------------------------------------------


@dataclass
class Options:
    clients: list[tuple[int, str]]
    members: list[tuple[int, str]]
    sops: list[tuple[int, str]]
    activities: list[tuple[int, str]]
    groups: list[str]


def report_options(actor: Actor) -> Options:
    """What the filters offer: the visible clients (archived ones too), the people who record
    time (owners and managers), the SOPs and the activities (retired ones too)."""
    clients = db.session.execute(
        visible_clients(actor)
        .with_only_columns(Client.id, Client.name)
        .order_by(Client.name, Client.id)
        .limit(MAX_OPTIONS)
    ).all()
    everyone = sees_everyones_time(actor)
    members = [(m.id, m.user.name) for m in trackers(actor)] if everyone else []
    sop_rows = db.session.execute(
        sa.select(Sop.id, Sop.title, SopVersion.definition)
        .outerjoin(SopVersion, SopVersion.id == Sop.current_version_id)
        .order_by(sa.func.lower(Sop.title), Sop.id)
        .limit(MAX_OPTIONS)
    ).all()
    titles = localized_titles((r.id, r.definition or {"title": r.title}) for r in sop_rows)
    return Options(
        clients=[(c.id, c.name) for c in clients],
        members=members,
        sops=[(r.id, titles.get(r.id, r.title)) for r in sop_rows],
        activities=[(a.id, activity_name_label(a.name)) for a in activities(include_inactive=True)],
        groups=[g for g in GROUP_LABELS if everyone or g != "member"],
    )
