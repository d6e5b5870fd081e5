"""The forecast of the next twelve months (from this month, the agency's), and the actuals
of the last twelve.

Revenue (before tax, as margin counts it):
* retainers: each active plan's monthly amount, for every month whose draft is not made yet
  (after `last_generated_month`);
* open drafts (invoices not issued yet): their subtotal, this month;
* recurring work: the items active series will make, at the client's fixed package fee, in
  the month each is due (app.forecast.series); `recurring_work` is true once any series
  exists (before that the pages say recurring work is not forecast).

Cash: the balance of every issued, unpaid invoice (tax included: what the client pays),
expected on its issue day plus the client's average days from issue to payment over its
paid invoices; a client with no paid invoice yet is expected on the due date. A day already
past counts this month.

Actuals: payments received per month (refunds taken off), by the day they were paid.

Base currency: the rate in force today for the months ahead (no one knows later rates),
the rate of each month's last day for the actuals; an amount with no rate makes the figures
that contain it unknown (None) and the rate is listed as missing, never counted as 0.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import today_in
from app.core.tenancy import current_agency_id
from app.extensions import db
from app.forecast.series import any_series, series_revenue
from app.fx.convert import MissingRate, converter
from app.invoices.models import Invoice
from app.margin.services import add_months, month_end
from app.payments.models import Payment
from app.retainers.models import RetainerPlan

HORIZONS = (3, 6, 12)
MONTHS = 12
OPEN_STATUSES = ("issued", "sent", "partially_paid")
RECURRING_WORK = False  # until an agency sets work to repeat (app.work.series)


@dataclass
class ForecastMonth:
    """One month ahead: revenue and cash per currency, and in base (None: a rate missing)."""

    month: dt.date
    retainers: dict[str, int] = field(default_factory=dict)
    drafts: dict[str, int] = field(default_factory=dict)
    series: dict[str, int] = field(default_factory=dict)  # recurring work's fees
    cash: dict[str, int] = field(default_factory=dict)
    revenue_base: int | None = 0
    cash_base: int | None = 0

    @property
    def revenue(self) -> dict[str, int]:
        out = dict(self.retainers)
        for extra in (self.drafts, self.series):
            for c, v in extra.items():
                out[c] = out.get(c, 0) + v
        return out


@dataclass
class ActualMonth:
    month: dt.date
    received: dict[str, int] = field(default_factory=dict)
    received_base: int | None = 0


@dataclass
class Horizon:
    months: int
    revenue: dict[str, int]
    cash: dict[str, int]
    revenue_base: int | None
    cash_base: int | None


@dataclass
class Forecast:
    today: dt.date
    base_currency: str
    months: list[ForecastMonth]
    actuals: list[ActualMonth]
    horizons: list[Horizon]
    missing: list[MissingRate]
    days_to_pay: dict[int, int]  # client -> average days from issue to payment
    recurring_work: bool = RECURRING_WORK
    unpriced_series: int = 0  # active series whose client has no fixed fee


def add_known(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _bump(target: dict[str, int], currency: str, amount: int) -> None:
    target[currency] = target.get(currency, 0) + amount


def days_to_pay() -> dict[int, int]:
    """Each client's average days from issue to payment over its paid invoices (rounded;
    the payment's day in the client's zone): summed per client in SQL on PostgreSQL, worked
    out invoice by invoice elsewhere (the embedded database has no time zones)."""
    paid = (
        Invoice.kind == "invoice",
        Invoice.status == "paid",
        Invoice.paid_at.is_not(None),
        Invoice.issue_date.is_not(None),
    )
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if db.session.get_bind().dialect.name == "postgresql":
        zone = sa.func.coalesce(Invoice.client_time_zone, "UTC")
        days = sa.type_coerce(
            sa.cast(sa.func.timezone(zone, Invoice.paid_at), sa.Date) - Invoice.issue_date,
            sa.Integer,
        )
        stmt = sa.select(Invoice.client_id, sa.func.sum(days), sa.func.count()).where(*paid)
        for client, total, n in db.session.execute(stmt.group_by(Invoice.client_id)):
            totals[client] = [int(total), int(n)]
    else:
        stmt = sa.select(
            Invoice.client_id, Invoice.client_time_zone, Invoice.paid_at, Invoice.issue_date
        ).where(*paid)
        for client, zone, paid_at, issued in db.session.execute(stmt):
            if paid_at.tzinfo is None:
                paid_at = paid_at.replace(tzinfo=dt.UTC)
            paid_day = paid_at.astimezone(zoneinfo.ZoneInfo(zone or "UTC")).date()
            totals[client][0] += (paid_day - issued).days
            totals[client][1] += 1
    return {client: max(0, round(days / n)) for client, (days, n) in totals.items()}


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def forecast(*, agency: Agency | None = None, today: dt.date | None = None) -> Forecast:
    """The next twelve months from this one and the last twelve months' payments."""
    if agency is None:
        agency = db.session.get(Agency, current_agency_id())
    assert agency is not None
    today = today or today_in(agency.time_zone)
    first = _month_of(today)
    months = {add_months(first, i): ForecastMonth(add_months(first, i)) for i in range(MONTHS)}
    last = add_months(first, MONTHS - 1)
    # retainers
    for currency, amount, generated in db.session.execute(
        sa.select(
            RetainerPlan.currency,
            RetainerPlan.monthly_amount_minor,
            RetainerPlan.last_generated_month,
        ).where(RetainerPlan.active.is_(True))
    ):
        for month, point in months.items():
            if generated is None or f"{month:%Y-%m}" > generated:
                _bump(point.retainers, currency, int(amount))
    # open drafts, this month
    for currency, subtotal in db.session.execute(
        sa.select(Invoice.currency, sa.func.sum(Invoice.subtotal_minor))
        .where(Invoice.kind == "invoice", Invoice.status == "draft")
        .group_by(Invoice.currency)
    ):
        _bump(months[first].drafts, currency, int(subtotal or 0))
    # recurring work: the items series will make
    recurring, unpriced = series_revenue(first, last)
    for month, amounts in recurring.items():
        for currency, amount in amounts.items():
            _bump(months[month].series, currency, amount)
    # receivables, dated by each client's habit
    habits = days_to_pay()
    balance = Invoice.total_minor - Invoice.paid_minor - Invoice.credited_minor
    for client, currency, issued, due, owed in db.session.execute(
        sa.select(
            Invoice.client_id, Invoice.currency, Invoice.issue_date, Invoice.due_date, balance
        ).where(Invoice.kind == "invoice", Invoice.status.in_(OPEN_STATUSES), balance > 0)
    ):
        if client in habits and issued is not None:
            expected = issued + dt.timedelta(days=habits[client])
        else:
            expected = due or issued or today
        month = max(_month_of(expected), first)
        if month <= last:
            _bump(months[month].cash, currency, int(owed))
    # actuals: payments of the last twelve months (this one included)
    start = add_months(first, 1 - MONTHS)
    actuals = {add_months(start, i): ActualMonth(add_months(start, i)) for i in range(MONTHS)}
    signed = sa.case((Payment.kind == "refund", -Payment.amount_minor), else_=Payment.amount_minor)
    for day, currency, amount in db.session.execute(
        sa.select(Payment.paid_on, Invoice.currency, sa.func.sum(signed))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.paid_on >= start, Payment.paid_on < add_months(first, 1))
        .group_by(Payment.paid_on, Invoice.currency)
    ):
        month = _month_of(day)
        if month in actuals:
            _bump(actuals[month].received, currency, int(amount or 0))
    # base currency
    currencies = {c for m in months.values() for d in (m.revenue, m.cash) for c in d}
    currencies |= {c for a in actuals.values() for c in a.received}
    conv = converter(
        currencies, [today, *(month_end(m) for m in actuals)], base_currency=agency.base_currency
    )

    def base(amounts: dict[str, int], day: dt.date) -> int | None:
        total: int | None = 0
        for c, v in sorted(amounts.items()):
            total = add_known(total, conv.to_base(v, c, day) if v else 0)
        return total

    for point in months.values():
        point.revenue_base = base(point.revenue, today)
        point.cash_base = base(point.cash, today)
    for actual in actuals.values():
        actual.received_base = base(actual.received, month_end(actual.month))
    ordered = list(months.values())
    horizons = []
    for n in HORIZONS:
        revenue: dict[str, int] = defaultdict(int)
        cash: dict[str, int] = defaultdict(int)
        revenue_base: int | None = 0
        cash_base: int | None = 0
        for point in ordered[:n]:
            for c, v in point.revenue.items():
                revenue[c] += v
            for c, v in point.cash.items():
                cash[c] += v
            revenue_base = add_known(revenue_base, point.revenue_base)
            cash_base = add_known(cash_base, point.cash_base)
        horizons.append(Horizon(n, dict(revenue), dict(cash), revenue_base, cash_base))
    return Forecast(
        today=today,
        base_currency=agency.base_currency,
        months=ordered,
        actuals=list(actuals.values()),
        horizons=horizons,
        missing=list(conv.missing),
        days_to_pay=habits,
        recurring_work=any_series(),
        unpriced_series=unpriced,
    )


def client_names(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = sa.select(Client.id, Client.name).where(Client.id.in_(ids))
    return {client_id: name for client_id, name in db.session.execute(stmt)}
