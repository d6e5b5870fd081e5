"""The built-in event sources of the master calendar: work item due dates, SOP stage due
dates and invoice due dates. Each runs one or two SQL statements however many events it
finds, and returns only what the actor may see:

- work items (and their stages): owners and managers the agency's, a VA the items assigned
  to them on their current clients, a QA reviewer the items they review (all on top of
  `app.work.queries.visible_work_items`);
- invoices: issued, unpaid invoices (`app.invoices.queries.visible_invoices`) for the roles
  that see invoices (`app.invoices.policy.can_see_invoices`), never for a member filter
  (an invoice belongs to no person).

Their per-day capped forms are in `app.calendar.capped`, which registers both
(`register_builtin_sources()`, called by the calendar blueprint).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import url_for

from app.calendar.registry import CalendarEvent, CalendarFilters
from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.policy import can_see_invoices
from app.invoices.queries import visible_invoices
from app.users.models import Membership, User
from app.work.models import OPEN_STATES, ChecklistState, WorkItem
from app.work.queries import visible_work_items
from app.work.stage_index import WorkStageDue

WORK_DUE = "work_due"
STAGE_DUE = "stage_due"
INVOICE_DUE = "invoice_due"
UNPAID_STATUSES = ("issued", "sent", "partially_paid")


def calendar_work_items(actor: Any, filters: CalendarFilters) -> sa.Select:
    """The work items whose dates the actor sees on the calendar (see the module
    docstring), narrowed to the client and member filters."""
    stmt = visible_work_items(actor)
    me = actor.membership.id if actor.membership is not None else None
    if actor.role == "va":
        stmt = stmt.where(WorkItem.assignee_id == me)
    elif actor.role == "qa":
        stmt = stmt.where(WorkItem.reviewer_id == me)
    elif not actor.is_manager:
        stmt = stmt.where(sa.false())
    if filters.client_id is not None:
        stmt = stmt.where(WorkItem.client_id == filters.client_id)
    if filters.member_id is not None:
        stmt = stmt.where(
            sa.or_(
                WorkItem.assignee_id == filters.member_id,
                WorkItem.reviewer_id == filters.member_id,
            )
        )
    return stmt


def item_columns() -> tuple:
    """What an event of a work item shows: the item, its client and its assignee's name."""
    return (
        WorkItem.id,
        WorkItem.title,
        WorkItem.state,
        WorkItem.due_at,
        WorkItem.client_id,
        WorkItem.assignee_id,
        Client.name.label("client_name"),
        Client.time_zone.label("client_zone"),
        User.name.label("person"),
    )


def _item_rows(stmt: sa.Select, *extra: Any) -> sa.Select:
    """One row per item of `stmt` with its client and assignee's name (one statement)."""
    ids = stmt.with_only_columns(WorkItem.id)
    return (
        sa.select(*item_columns(), *extra)
        .select_from(WorkItem)
        .join(Client, Client.id == WorkItem.client_id)
        .outerjoin(Membership, Membership.id == WorkItem.assignee_id)
        .outerjoin(User, User.id == Membership.user_id)
        .where(WorkItem.id.in_(ids))
    )


def _item_url(actor: Any, item_id: int) -> str:
    return url_for("work.show_work_item", agency_slug=actor.agency.slug, work_item_id=item_id)


def work_due_base(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> sa.Select:
    """The work items (not cancelled) due in the range that the actor sees."""
    return calendar_work_items(actor, filters).where(
        # the predicate of ix_work_items_shown_due: a day's first few read in index order
        WorkItem.state != "cancelled",
        WorkItem.due_at >= start,
        WorkItem.due_at < end,
    )


def work_event(actor: Any, row: Any, now: dt.datetime) -> CalendarEvent:
    """The due moment of a work item (a row of `item_columns`); open ones past due are
    overdue."""
    return CalendarEvent(
        kind=WORK_DUE,
        uid=f"{WORK_DUE}-{row.id}",
        title=row.title,
        starts_at=row.due_at,
        client_id=row.client_id,
        client_name=row.client_name,
        client_zone=row.client_zone,
        membership_id=row.assignee_id,
        person=row.person,
        url=_item_url(actor, row.id),
        overdue=row.state in OPEN_STATES and row.due_at < now,
        extra={"work_item_id": row.id, "state": row.state},
    )


def work_due_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Due moments of work items (not cancelled) in the range."""
    now = utcnow()
    for row in db.session.execute(_item_rows(work_due_base(actor, start, end, filters))):
        yield work_event(actor, row, now)


def stage_range(
    actor: Any, filters: CalendarFilters, start: dt.datetime, end: dt.datetime
) -> list[Any]:
    """Conditions on the stored stage due moments (`app.work.stage_index`, open work only)
    for the range and what the actor sees (no join for a manager's unfiltered calendar)."""
    where = [WorkStageDue.due_at >= start, WorkStageDue.due_at < end]
    if not actor.is_manager or filters.client_id is not None or filters.member_id is not None:
        seen = calendar_work_items(actor, filters).with_only_columns(WorkItem.id).order_by(None)
        where.append(WorkStageDue.work_item_id.in_(seen))
    return where


def open_required_stages(item_ids: Any) -> dict[int, set[str]]:
    """The stages of these items (ids, or a select of them) with open required checklist
    items, in one statement."""
    out: dict[int, set[str]] = defaultdict(set)
    pending = sa.select(ChecklistState.work_item_id, ChecklistState.stage_key).where(
        ChecklistState.work_item_id.in_(item_ids),
        ChecklistState.required.is_(True),
        ChecklistState.done.is_(False),
    )
    for item_id, stage_key in db.session.execute(pending.distinct()):
        out[item_id].add(stage_key)
    return out


def stage_events(
    actor: Any, rows: Iterable[Any], open_stages: dict[int, set[str]]
) -> Iterable[CalendarEvent]:
    """Events of stage rows (`item_columns` with stage_key, stage_title, stage_due); a past
    stage with open required checklist items is overdue."""
    now = utcnow()
    for row in rows:
        yield CalendarEvent(
            kind=STAGE_DUE,
            uid=f"{STAGE_DUE}-{row.id}-{row.stage_key}",
            title=_("%(stage)s: %(title)s", stage=row.stage_title, title=row.title),
            starts_at=row.stage_due,
            client_id=row.client_id,
            client_name=row.client_name,
            client_zone=row.client_zone,
            membership_id=row.assignee_id,
            person=row.person,
            url=_item_url(actor, row.id),
            overdue=row.stage_key in open_stages.get(row.id, ()) and row.stage_due < now,
            extra={"work_item_id": row.id, "stage": row.stage_key},
        )


def stage_due_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Due moments of the SOP stages of open work items, from the stored moments
    (`app.work.stage_index`, the rule of `app.work.stage_dates`), in two statements: the
    stages with their items, then the open required checklist stages of the items with a
    past stage (what makes it overdue)."""
    where = stage_range(actor, filters, start, end)
    stmt = (
        sa.select(
            *item_columns(),
            WorkStageDue.stage_key,
            WorkStageDue.stage_title,
            WorkStageDue.due_at.label("stage_due"),
        )
        .select_from(WorkStageDue)
        .join(WorkItem, WorkItem.id == WorkStageDue.work_item_id)
        .join(Client, Client.id == WorkItem.client_id)
        .outerjoin(Membership, Membership.id == WorkItem.assignee_id)
        .outerjoin(User, User.id == Membership.user_id)
        .where(*where)
    )
    rows = list(db.session.execute(stmt))
    if not rows:
        return
    # a subquery, not the ids: a large agency has more than a statement's parameters hold
    past = sa.select(WorkStageDue.work_item_id).where(*where, WorkStageDue.due_at < utcnow())
    yield from stage_events(actor, rows, open_required_stages(past))


def invoice_due_rows(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> sa.Select | None:
    """The rows of the invoice-due events (None when the actor sees no invoices here)."""
    if not can_see_invoices(actor) or filters.member_id is not None:
        return None
    invoices = visible_invoices(actor).where(
        Invoice.kind == "invoice",
        Invoice.status.in_(UNPAID_STATUSES),
        Invoice.due_date.is_not(None),
        Invoice.due_date >= start.date(),
        Invoice.due_date <= end.date(),
    )
    if filters.client_id is not None:
        invoices = invoices.where(Invoice.client_id == filters.client_id)
    ids = invoices.with_only_columns(Invoice.id)
    return (
        sa.select(
            Invoice.id,
            Invoice.number,
            Invoice.due_date,
            Invoice.client_id,
            Invoice.currency,
            Invoice.total_minor,
            Invoice.paid_minor,
            Invoice.credited_minor,
            Client.name.label("client_name"),
            Client.time_zone.label("client_zone"),
        )
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.id.in_(ids))
    )


def invoice_event(actor: Any, row: Any) -> CalendarEvent:
    return CalendarEvent(
        kind=INVOICE_DUE,
        uid=f"{INVOICE_DUE}-{row.id}",
        title=_("Invoice %(number)s due", number=row.number or ""),
        all_day=row.due_date,
        client_id=row.client_id,
        client_name=row.client_name,
        client_zone=row.client_zone,
        url=url_for("invoices.show_invoice", agency_slug=actor.agency.slug, invoice_id=row.id),
        overdue=row.due_date < today_in(row.client_zone),
        extra={
            "invoice_id": row.id,
            "currency": row.currency,
            "balance_minor": row.total_minor - row.paid_minor - row.credited_minor,
        },
    )


def invoice_due_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Due dates (all-day, the client's date) of issued invoices not paid in full."""
    stmt = invoice_due_rows(actor, start, end, filters)
    if stmt is None:
        return
    for row in db.session.execute(stmt):
        yield invoice_event(actor, row)
