"""Receivables: what clients owe, per client and currency, aged, and in the base currency.

Amounts stay in each invoice's own currency; a base-currency figure is added where a rate
is known, and says which: the rate recorded when the invoice was issued, else the rate of
the latest payment on that invoice, else the latest payment rate in that currency. An
invoice in the base currency needs no rate. Invoices with no known rate are counted in
their currency only and listed as not converted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.formatting import format_day, format_number
from app.core.i18n import current_language
from app.core.money import convert
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.queries import open_with_balance, visible_invoices
from app.payments.models import Payment

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


# Each bucket's days past due (first, last; None: no last), for its label.
_BUCKET_DAYS = {"1-30": (1, 30), "31-60": (31, 60), "61-90": (61, 90), "90+": (91, None)}


def bucket_label(key: str, *, days: bool = True) -> str:
    """A bucket as the reader says it, numbers in the reader's digits: 'Current',
    '31–60 days' ('٣١–٦٠ يومًا' in ar_EG), 'Over 90 days'; `days=False` for a narrow
    column head: '31–60', '90+'."""
    if key not in _BUCKET_DAYS:
        return gettext("Current")
    first, last = _BUCKET_DAYS[key]
    if last is None:
        limit = format_number(first - 1)
        return gettext("Over %(num)s days", num=limit) if days else f"{limit}+"
    low, high = format_number(first), format_number(last)
    return gettext("%(low)s–%(high)s days", low=low, high=high) if days else f"{low}–{high}"


@dataclass
class Rate:
    rate: Decimal
    source: str  # "issue", "payment", "latest", "same"
    note: str


@dataclass
class Row:
    """One client in one currency."""

    client_id: int
    client_name: str
    currency: str
    invoices: int = 0
    outstanding: int = 0
    overdue: int = 0
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    base_outstanding: int = 0
    base_overdue: int = 0
    unconverted: int = 0  # invoices with no known rate


@dataclass
class Receivables:
    base_currency: str
    rows: list[Row]
    by_currency: dict[str, Row]
    base: Row  # everything converted to the base currency
    rates: list[tuple[str, str, Rate]]  # (invoice number, currency, rate used)
    unconverted: list[str]  # invoice numbers with no rate
    by_month: list[tuple[str, int]]  # due month -> outstanding in base minor units


def _payment_rates(invoice_ids: list[int]) -> tuple[dict[int, Payment], dict[str, Payment]]:
    """The latest recorded payment with a rate, per invoice and per currency."""
    with_rate = Payment.rate_to_base.is_not(None)
    per_invoice = (
        sa.select(sa.func.max(Payment.id))
        .where(with_rate, Payment.invoice_id.in_(invoice_ids))
        .group_by(Payment.invoice_id)
    )
    per_currency = (
        sa.select(sa.func.max(Payment.id))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(with_rate)
        .group_by(Invoice.currency)
    )
    rows = db.session.execute(
        sa.select(Payment, Invoice.currency)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.id.in_(sa.union(per_invoice, per_currency)))
        .order_by(Payment.id)
    ).all()
    by_invoice: dict[int, Payment] = {}
    by_currency: dict[str, Payment] = {}
    for payment, currency in rows:
        if payment.invoice_id in invoice_ids:
            by_invoice[payment.invoice_id] = payment
        by_currency[currency] = payment
    return by_invoice, by_currency


def receivables(actor: Actor, now: dt.datetime | None = None) -> Receivables:
    """Open invoices with a balance, aggregated (three statements whatever the size)."""
    now = now or utcnow()
    base_currency = actor.agency.base_currency
    open_ids = visible_invoices(actor).where(open_with_balance()).with_only_columns(Invoice.id)
    found = db.session.execute(
        sa.select(
            Invoice.id,
            Invoice.number,
            Invoice.client_id,
            Client.name,
            Invoice.currency,
            Invoice.due_date,
            Invoice.client_time_zone,
            Invoice.rate_to_base,
            (Invoice.total_minor - Invoice.paid_minor - Invoice.credited_minor).label("balance"),
        )
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.id.in_(open_ids))
        .order_by(sa.func.lower(Client.name), Invoice.currency, Invoice.due_date, Invoice.id)
    ).all()
    by_invoice, by_currency = _payment_rates([r.id for r in found]) if found else ({}, {})
    rows: dict[tuple[int, str], Row] = {}
    currencies: dict[str, Row] = {}
    base = Row(0, "All clients", base_currency)
    rates: list[tuple[str, str, Rate]] = []
    unconverted: list[str] = []
    months: dict[str, int] = defaultdict(int)
    for r in found:
        rate = _rate_for(r, base_currency, by_invoice, by_currency)
        due = r.due_date or today_in(r.client_time_zone, now)
        late = (today_in(r.client_time_zone, now) - due).days
        key = bucket(late)
        row = rows.setdefault((r.client_id, r.currency), Row(r.client_id, r.name, r.currency))
        total = currencies.setdefault(r.currency, Row(0, "All clients", r.currency))
        for target in (row, total):
            target.invoices += 1
            target.outstanding += r.balance
            target.overdue += r.balance if late > 0 else 0
            target.buckets[key] += r.balance
        if rate is None:
            row.unconverted += 1
            total.unconverted += 1
            unconverted.append(r.number)
            continue
        converted = convert(r.balance, r.currency, rate.rate, base_currency)
        if rate.source != "same":
            rates.append((r.number, r.currency, rate))
        for target in (row, total, base):
            target.base_outstanding += converted
            target.base_overdue += converted if late > 0 else 0
        base.invoices += 1
        base.outstanding += converted
        base.overdue += converted if late > 0 else 0
        base.buckets[key] += converted
        months[f"{due:%Y-%m}"] += converted
    return Receivables(
        base_currency=base_currency,
        rows=list(rows.values()),
        by_currency=dict(sorted(currencies.items())),
        base=base,
        rates=rates,
        unconverted=unconverted,
        by_month=sorted(months.items()),
    )


def _rate_for(r, base_currency: str, by_invoice: dict, by_currency: dict) -> Rate | None:
    if r.currency == base_currency:
        return Rate(Decimal(1), "same", gettext("base currency"))
    if r.rate_to_base is not None:
        return Rate(r.rate_to_base, "issue", gettext("rate recorded at issue"))
    payment = by_invoice.get(r.id)
    if payment is not None:
        day = format_day(payment.paid_on, current_language())
        return Rate(
            payment.rate_to_base, "payment", gettext("rate of its payment on %(day)s", day=day)
        )
    payment = by_currency.get(r.currency)
    if payment is not None:
        day = format_day(payment.paid_on, current_language())
        return Rate(
            payment.rate_to_base,
            "latest",
            gettext("latest %(currency)s payment rate (%(day)s)", currency=r.currency, day=day),
        )
    return None
