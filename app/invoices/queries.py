"""Read side of invoices, lines, tax rates and invoice settings (payments and retainers have
theirs in app.payments.queries and app.retainers.queries).

Every `get_<noun>_or_404` loads through the matching `visible_<nouns>` query, so a list and
a detail page never disagree; the tenant filter is added by the data layer on top. Owners
and managers see every invoice of the agency; a client contact sees their own client's
invoices once issued (never drafts); VAs and QA see none (money is hidden from them).

"Overdue" is derived, never stored: an open invoice with a balance whose due date has
passed in the client's time zone (the zone recorded on the invoice).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.clock import today_in
from app.core.pagination import Page
from app.core.permissions import Actor
from app.extensions import db
from app.invoices.models import (
    Invoice,
    InvoiceLine,
    InvoiceSettings,
    TaxRate,
)
from app.invoices.numbering import DEFAULT_FORMATS

OPEN_STATUSES = ("issued", "sent", "partially_paid")
LIST_STATUSES = ("draft", "issued", "sent", "partially_paid", "paid", "void", "overdue")
SETTINGS_DEFAULTS = {
    "invoice_number_format": DEFAULT_FORMATS["invoice"],
    "credit_note_number_format": DEFAULT_FORMATS["credit_note"],
    "restart_yearly": True,
    "rounding": "per_line",
    "recurring_day": 1,
    "reminders_enabled": True,
    "portal_hour_bank": False,
}


# --- settings ------------------------------------------------------------------------------


def invoice_settings() -> InvoiceSettings:
    """The agency's invoice settings, or the defaults (not saved: reading writes nothing)."""
    row = db.session.scalar(sa.select(InvoiceSettings))
    if row is not None:
        return row
    return InvoiceSettings(**SETTINGS_DEFAULTS)


# --- time ----------------------------------------------------------------------------------


def is_open(invoice: Invoice) -> bool:
    return invoice.kind == "invoice" and invoice.status in OPEN_STATUSES


def is_overdue(invoice: Invoice, now: dt.datetime | None = None) -> bool:
    """Open, something still owed, and the due date passed in the client's time zone."""
    return (
        is_open(invoice)
        and invoice.balance_minor > 0
        and invoice.due_date is not None
        and invoice.due_date < today_in(invoice.client_time_zone, now)
    )


def days_overdue(invoice: Invoice, now: dt.datetime | None = None) -> int:
    if invoice.due_date is None:
        return 0
    return (today_in(invoice.client_time_zone, now) - invoice.due_date).days


def display_status(invoice: Invoice, now: dt.datetime | None = None) -> str:
    """The stored status, or 'overdue' when it is derived to be."""
    return "overdue" if is_overdue(invoice, now) else invoice.status


def _balance() -> sa.ColumnElement[int]:
    return Invoice.total_minor - Invoice.paid_minor - Invoice.credited_minor


def open_with_balance() -> sa.ColumnElement[bool]:
    return sa.and_(Invoice.kind == "invoice", Invoice.status.in_(OPEN_STATUSES), _balance() > 0)


def overdue_clause(now: dt.datetime | None = None) -> sa.ColumnElement[bool]:
    """SQL for 'overdue': one look-up of the zones open invoices use (few), then per local
    date a condition on those zones, so it runs the same on PostgreSQL and SQLite."""
    zones = db.session.scalars(
        sa.select(Invoice.client_time_zone).where(open_with_balance()).distinct()
    ).all()
    by_date: dict[dt.date, list[str]] = defaultdict(list)
    for zone in zones:
        by_date[today_in(zone, now)].append(zone)
    if not by_date:
        return sa.false()
    return sa.and_(
        open_with_balance(),
        sa.or_(
            *(
                sa.and_(Invoice.client_time_zone.in_(names), Invoice.due_date < day)
                for day, names in sorted(by_date.items())
            )
        ),
    )


# --- invoices ------------------------------------------------------------------------------


def visible_invoices(actor: Actor) -> sa.Select:
    """Invoices and credit notes the actor may see (see the module docstring)."""
    stmt = sa.select(Invoice)
    if actor.role in ("owner", "manager"):
        return stmt
    if actor.role == "client" and actor.membership is not None:
        return stmt.where(
            Invoice.client_id == actor.membership.client_id, Invoice.status != "draft"
        )
    return stmt.where(sa.false())


def get_invoice_or_404(actor: Actor, invoice_id: int) -> Invoice:
    """An invoice the actor may see, or 404 (another agency's id is simply not found)."""
    invoice = db.session.scalar(visible_invoices(actor).where(Invoice.id == invoice_id))
    if invoice is None:
        raise NotFound()
    return invoice


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered_invoices(actor: Actor, filters: dict, now: dt.datetime | None = None) -> sa.Select:
    """Visible invoices matching the list filters (loaded InvoiceFilterArgs): status (one
    of the stored statuses, or 'overdue'), kind, client_id, currency, q (part of the
    number). Unordered."""
    stmt = visible_invoices(actor)
    status = filters.get("status")
    if status == "overdue":
        stmt = stmt.where(overdue_clause(now))
    elif status:
        stmt = stmt.where(Invoice.status == status)
    if filters.get("kind"):
        stmt = stmt.where(Invoice.kind == filters["kind"])
    if filters.get("client_id"):
        stmt = stmt.where(Invoice.client_id == filters["client_id"])
    if filters.get("currency"):
        stmt = stmt.where(Invoice.currency == filters["currency"])
    q = (filters.get("q") or "").strip()
    if q:
        stmt = stmt.where(Invoice.number.ilike(_like(q), escape="\\"))
    return stmt


# Lists show the client's name only: none of the client's own eager loads (its contacts).
_WITH_CLIENT_NAME = joinedload(Invoice.client).load_only(Client.id, Client.name).lazyload("*")


def invoice_order() -> tuple:
    """Newest first: drafts (no issue date yet) on top, then by issue date and id."""
    return (
        sa.case((Invoice.status == "draft", 0), else_=1),
        Invoice.issue_date.desc(),
        Invoice.id.desc(),
    )


def invoice_page(actor: Actor, filters: dict, now: dt.datetime | None = None) -> Page:
    """One page of the invoices list with each invoice's client: the same few statements
    whatever the page (the count, the page with its clients, and the zones for overdue)."""
    page, per_page = filters.get("page", 1), filters.get("per_page", 25)
    stmt = filtered_invoices(actor, filters, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.options(_WITH_CLIENT_NAME)
        .order_by(*invoice_order())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def export_rows(actor: Actor, filters: dict, now: dt.datetime | None = None) -> sa.Select:
    """Every visible invoice matching the filters, with client and lines, for the CSV."""
    return (
        filtered_invoices(actor, filters, now)
        .options(
            _WITH_CLIENT_NAME,
            selectinload(Invoice.lines),
        )
        .order_by(*invoice_order())
    )


def invoice_client_options(actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the clients invoices can be written to, for forms and filters."""
    if actor.role not in ("owner", "manager"):
        return []
    rows = db.session.execute(
        sa.select(Client.id, Client.name)
        .where(Client.archived_at.is_(None))
        .order_by(sa.func.lower(Client.name), Client.id)
    ).all()
    return [(row.id, row.name) for row in rows]


def credit_notes_of(invoice: Invoice) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.credited_invoice_id == invoice.id, Invoice.kind == "credit_note")
            .order_by(Invoice.id)
        )
    )


def open_deposits(client_id: int, currency: str) -> list[Invoice]:
    """Paid deposit invoices of a client not yet deducted by a (non-void) final invoice."""
    deducted = sa.select(Invoice.deposit_invoice_id).where(
        Invoice.deposit_invoice_id.is_not(None), Invoice.status != "void"
    )
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(
                Invoice.client_id == client_id,
                Invoice.currency == currency,
                Invoice.is_deposit.is_(True),
                Invoice.status == "paid",
                Invoice.id.not_in(deducted),
            )
            .order_by(Invoice.id)
        )
    )


# --- lines ---------------------------------------------------------------------------------


def visible_lines(actor: Actor) -> sa.Select:
    """Lines of the invoices the actor may see."""
    return sa.select(InvoiceLine).where(
        InvoiceLine.invoice_id.in_(visible_invoices(actor).with_only_columns(Invoice.id))
    )


def get_line_or_404(actor: Actor, line_id: int) -> InvoiceLine:
    line = db.session.scalar(visible_lines(actor).where(InvoiceLine.id == line_id))
    if line is None:
        raise NotFound()
    return line


# --- tax rates (owners and managers) -----------------------------------------


def visible_tax_rates(actor: Actor) -> sa.Select:
    stmt = sa.select(TaxRate)
    return stmt if actor.is_manager else stmt.where(sa.false())


def get_tax_rate_or_404(actor: Actor, tax_rate_id: int) -> TaxRate:
    rate = db.session.scalar(visible_tax_rates(actor).where(TaxRate.id == tax_rate_id))
    if rate is None:
        raise NotFound()
    return rate


def tax_rate_list(actor: Actor, *, active_only: bool = False) -> list[TaxRate]:
    stmt = visible_tax_rates(actor)
    if active_only:
        stmt = stmt.where(TaxRate.active.is_(True))
    return list(db.session.scalars(stmt.order_by(TaxRate.active.desc(), TaxRate.name, TaxRate.id)))


def client_invoices(actor: Actor, client: Client, limit: int = 10) -> list[Invoice]:
    return list(
        db.session.scalars(
            visible_invoices(actor)
            .where(Invoice.client_id == client.id)
            .order_by(*invoice_order())
            .limit(limit)
        )
    )
