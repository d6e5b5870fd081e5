"""The built-in event sources of the master calendar: work item due dates, SOP stage due
dates and invoice due dates. Each runs one or two SQL statements however many events it
finds, and returns only what the actor may see:

- work items (and their stages): owners and managers the agency's, a VA the items assigned
  to them on their current clients, a QA reviewer the items they review (all on top of
  `app.work.queries.visible_work_items`);
- invoices: issued, unpaid invoices (`app.invoices.queries.visible_invoices`) for the roles
  that see invoices (`app.invoices.policy.can_see_invoices`), never for a member filter
  (an invoice belongs to no person).

`register_builtin_sources()` registers them (the calendar blueprint calls it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import url_for

from app.calendar.registry import CalendarEvent, CalendarFilters, register_source
from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.policy import can_see_invoices
from app.invoices.queries import visible_invoices
from app.sops.models import SopVersion
from app.users.models import Membership, User
from app.work.models import OPEN_STATES, STATES, ChecklistState, WorkItem
from app.work.queries import visible_work_items
from app.work.stage_dates import stage_schedule

WORK_DUE = "work_due"
STAGE_DUE = "stage_due"
INVOICE_DUE = "invoice_due"
UNPAID_STATUSES = ("issued", "sent", "partially_paid")
SHOWN_STATES = tuple(s for s in STATES if s != "cancelled")
# Stages are due at most this long after the work started (SOP offsets are business days):
# older open work is not searched for stage dates, which keeps the query bounded.
STAGE_LOOKBACK = dt.timedelta(days=400)


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


_ITEM_COLUMNS = (
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
        sa.select(*_ITEM_COLUMNS, *extra)
        .select_from(WorkItem)
        .join(Client, Client.id == WorkItem.client_id)
        .outerjoin(Membership, Membership.id == WorkItem.assignee_id)
        .outerjoin(User, User.id == Membership.user_id)
        .where(WorkItem.id.in_(ids))
    )


def _item_url(actor: Any, item_id: int) -> str:
    return url_for("work.show_work_item", agency_slug=actor.agency.slug, work_item_id=item_id)


def work_due_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Due moments of work items (not cancelled) in the range; open ones past due are
    overdue."""
    base = calendar_work_items(actor, filters).where(
        # IN (every state but cancelled) lets ix_work_items_agency_state_due serve the range
        WorkItem.state.in_(SHOWN_STATES),
        WorkItem.due_at >= start,
        WorkItem.due_at < end,
    )
    now = utcnow()
    for row in db.session.execute(_item_rows(base)):
        yield CalendarEvent(
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


def _lookback() -> dt.timedelta:
    """How long before a range work must have started for one of its stages to fall in it:
    the agency's longest stage offset (business days, so a week of calendar days for every
    five, and a weekend), at most STAGE_LOOKBACK."""
    longest = 0
    for (definition,) in db.session.execute(sa.select(SopVersion.definition)):
        for stage in (definition or {}).get("stages") or []:
            offset = stage.get("due_offset_days")
            if isinstance(offset, int) and offset > longest:
                longest = offset
    days = (longest // 5 + 1) * 7 + 3
    return min(STAGE_LOOKBACK, dt.timedelta(days=days))


def stage_due_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Due moments of the SOP stages of open work items (app.work.stage_dates), in two
    statements: the items with their SOP definitions, then their open required checklist
    stages (what makes a past stage overdue)."""
    began = sa.func.coalesce(WorkItem.started_at, WorkItem.created_at)
    base = calendar_work_items(actor, filters).where(
        WorkItem.state.in_(OPEN_STATES), began < end, began >= start - _lookback()
    )
    stmt = _item_rows(base, began.label("began"), SopVersion.definition).join(
        SopVersion, SopVersion.id == WorkItem.sop_version_id
    )
    rows = [r for r in db.session.execute(stmt) if (r.definition or {}).get("stages")]
    if not rows:
        return
    open_stages: dict[int, set[str]] = defaultdict(set)
    pending = sa.select(ChecklistState.work_item_id, ChecklistState.stage_key).where(
        # the same items, as a subquery: a large agency has more than a statement's
        # parameters can hold
        ChecklistState.work_item_id.in_(base.with_only_columns(WorkItem.id).order_by(None)),
        ChecklistState.required.is_(True),
        ChecklistState.done.is_(False),
    )
    for item_id, stage_key in db.session.execute(pending.distinct()):
        open_stages[item_id].add(stage_key)
    now = utcnow()
    for row in rows:
        schedule = stage_schedule(
            row.began,
            row.client_zone,
            row.definition["stages"],
            open_required=open_stages.get(row.id, set()),
            closed=False,
            now=now,
        )
        for stage in schedule:
            if not start <= stage.due_at < end:
                continue
            yield CalendarEvent(
                kind=STAGE_DUE,
                uid=f"{STAGE_DUE}-{row.id}-{stage.key}",
                title=_("%(stage)s: %(title)s", stage=stage.title, title=row.title),
                starts_at=stage.due_at,
                client_id=row.client_id,
                client_name=row.client_name,
                client_zone=row.client_zone,
                membership_id=row.assignee_id,
                person=row.person,
                url=_item_url(actor, row.id),
                overdue=stage.overdue,
                extra={"work_item_id": row.id, "stage": stage.key},
            )


def invoice_due_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Due dates (all-day, the client's date) of issued invoices not paid in full."""
    if not can_see_invoices(actor) or filters.member_id is not None:
        return
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
    stmt = (
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
    for row in db.session.execute(stmt):
        yield CalendarEvent(
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


def register_builtin_sources() -> None:
    register_source(WORK_DUE, work_due_events, label=lazy_gettext("Work due"), color="primary")
    register_source(STAGE_DUE, stage_due_events, label=lazy_gettext("Stage due"), color="info")
    register_source(
        INVOICE_DUE, invoice_due_events, label=lazy_gettext("Invoice due"), color="success"
    )
