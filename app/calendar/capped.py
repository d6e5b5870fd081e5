"""Per-day capped forms of the work sources (see `app.calendar.registry`): a large agency
has thousands of work and stage deadlines in a month, and the month view shows a few a day.

On PostgreSQL each runs a fixed number of statements whatever the number of deadlines:
the totals per day of the viewer's zone (a count of each day's index range), then, for
each day that has any, its first `per_day` deadlines in time order (a LATERAL range with a
LIMIT, read in index order) with their items. Stage deadlines come from the stored due
moments (`app.work.stage_index`). Elsewhere (the embedded SQLite database has no time zones)
they return None and the registry caps the full list.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import sqlalchemy as sa

from app.calendar.grid import local_midnight
from app.calendar.registry import CalendarFilters, DayCap, DayPage, register_source
from app.calendar.sources import (
    INVOICE_DUE,
    STAGE_DUE,
    WORK_DUE,
    invoice_due_events,
    invoice_due_rows,
    invoice_event,
    item_columns,
    open_required_stages,
    stage_due_events,
    stage_events,
    stage_range,
    work_due_base,
    work_due_events,
    work_event,
)
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.translation import lazy_gettext
from app.extensions import db
from app.invoices.models import Invoice
from app.users.models import Membership, User
from app.work.models import WorkItem
from app.work.stage_index import WorkStageDue


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _days(start: dt.datetime, end: dt.datetime, zone: str) -> list[tuple]:
    """The local days of [start, end) in `zone` (start is a local midnight), each with its
    UTC bounds."""
    day = start.astimezone(zoneinfo.ZoneInfo(zone)).date()
    out = []
    while (lo := local_midnight(day, zone)) < end:
        nxt = day + dt.timedelta(days=1)
        out.append((day, lo, min(local_midnight(nxt, zone), end)))
        day = nxt
    return out


def _count_by_day(
    rows: sa.Select, when: Any, start: dt.datetime, end: dt.datetime, zone: str
) -> dict[dt.date, int]:
    """How many of `rows` (a SELECT of the source's rows) each day of `zone` has, in one
    statement: a count of each day's range of `when` (an index range per day, no time
    zone arithmetic per row); days without any are left out."""
    days = sa.values(
        sa.column("day", sa.Date),
        sa.column("lo", sa.DateTime(timezone=True)),
        sa.column("hi", sa.DateTime(timezone=True)),
        name="all_days",
    ).data(_days(start, end, zone))
    n = (
        rows.with_only_columns(sa.func.count())
        .order_by(None)
        .where(when >= days.c.lo, when < days.c.hi)
        .correlate(days)
        .scalar_subquery()
    )
    return {d: total for d, total in db.session.execute(sa.select(days.c.day, n)) if total}


def _day_table(totals: dict[dt.date, int], start: dt.datetime, end: dt.datetime, zone: str) -> Any:
    """The days that have rows, with their UTC bounds, as a VALUES list."""
    return sa.values(
        sa.column("day", sa.Date),
        sa.column("lo", sa.DateTime(timezone=True)),
        sa.column("hi", sa.DateTime(timezone=True)),
        name="days",
    ).data([d for d in _days(start, end, zone) if d[0] in totals])


def _with_details(days: Any, first: Any, *extra: Any) -> sa.Select:
    """Each day's first rows (`first`, a lateral with `item_id`) with their work item's
    event columns."""
    return (
        sa.select(*item_columns(), *extra)
        .select_from(days)
        .join(first, sa.true())
        .join(WorkItem, WorkItem.id == first.c.item_id)
        .join(Client, Client.id == WorkItem.client_id)
        .outerjoin(Membership, Membership.id == WorkItem.assignee_id)
        .outerjoin(User, User.id == Membership.user_id)
    )


def work_due_capped(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters, cap: DayCap
) -> DayPage | None:
    """The first deadlines of work items of each day: the days' totals, then the first of
    each day with their details (two statements, each an index range)."""
    if not _postgres():
        return None
    base = work_due_base(actor, start, end, filters).order_by(None)
    totals = _count_by_day(base, WorkItem.due_at, start, end, cap.zone)
    if not totals:
        return DayPage([], {})
    days = _day_table(totals, start, end, cap.zone)
    first = (
        base.with_only_columns(WorkItem.id.label("item_id"))
        .where(WorkItem.due_at >= days.c.lo, WorkItem.due_at < days.c.hi)
        .order_by(WorkItem.due_at, WorkItem.id)
        .limit(cap.per_day)
        .correlate(days)
        .lateral("first")
    )
    now = utcnow()
    rows = db.session.execute(_with_details(days, first))
    return DayPage([work_event(actor, row, now) for row in rows], totals)


def stage_due_capped(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters, cap: DayCap
) -> DayPage | None:
    """The first stage deadlines of open work of each day, from the stored due moments
    (`app.work.stage_index`): the days' totals, the first of each day with their items,
    then the open required stages of those items (what makes a past stage overdue)."""
    if not _postgres():
        return None
    where = [*stage_range(actor, filters, start, end)]
    stages = sa.select(WorkStageDue.work_item_id).where(*where)
    totals = _count_by_day(stages, WorkStageDue.due_at, start, end, cap.zone)
    if not totals:
        return DayPage([], {})
    days = _day_table(totals, start, end, cap.zone)
    first = (
        sa.select(
            WorkStageDue.work_item_id.label("item_id"),
            WorkStageDue.stage_key,
            WorkStageDue.stage_title,
            WorkStageDue.due_at.label("stage_due"),
        )
        .where(*where, WorkStageDue.due_at >= days.c.lo, WorkStageDue.due_at < days.c.hi)
        .order_by(WorkStageDue.due_at, WorkStageDue.work_item_id, WorkStageDue.place)
        .limit(cap.per_day)
        .correlate(days)
        .lateral("first")
    )
    stmt = _with_details(days, first, first.c.stage_key, first.c.stage_title, first.c.stage_due)
    rows = list(db.session.execute(stmt))
    events = list(stage_events(actor, rows, open_required_stages({r.id for r in rows})))
    return DayPage(events, totals)


def invoice_due_capped(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters, cap: DayCap
) -> DayPage | None:
    """The first invoices due on each date (by number) and each date's total, in one
    statement (window functions, on every database): an invoice's due date is a date, the
    same in every zone."""
    stmt = invoice_due_rows(actor, start, end, filters)
    if stmt is None:
        return DayPage([], {})
    by_date = {"partition_by": Invoice.due_date}
    ranked = stmt.add_columns(
        sa.func.count().over(**by_date).label("day_total"),
        sa.func.row_number().over(**by_date, order_by=(Invoice.number, Invoice.id)).label("rank"),
    ).subquery()
    rows = list(db.session.execute(sa.select(ranked).where(ranked.c.rank <= cap.per_day)))
    return DayPage(
        [invoice_event(actor, row) for row in rows], {r.due_date: r.day_total for r in rows}
    )


def register_builtin_sources() -> None:
    register_source(
        WORK_DUE,
        work_due_events,
        label=lazy_gettext("Work due"),
        color="primary",
        capped=work_due_capped,
    )
    register_source(
        STAGE_DUE,
        stage_due_events,
        label=lazy_gettext("Stage due"),
        color="info",
        capped=stage_due_capped,
    )
    register_source(
        INVOICE_DUE,
        invoice_due_events,
        label=lazy_gettext("Invoice due"),
        color="success",
        capped=invoice_due_capped,
    )
