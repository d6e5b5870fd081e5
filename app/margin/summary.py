"""The margin in brief: the agency's last months for the page's chart (a monthly aggregate,
far cheaper than the table's atoms) and the month in one line for the owner's cockpit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app.agencies.models import Agency
from app.extensions import db
from app.fx.convert import MissingRate, converter
from app.invoices.models import Invoice
from app.margin.services import (
    CHART_MONTHS,
    COUNTED,
    MonthPoint,
    add_known,
    add_months,
    agency_of,
    local_month,
    margin_report,
    month_end,
    parse_month,
    range_utc,
)
from app.rates.costs import cost_groups


@dataclass(frozen=True)
class MarginSummary:
    """The month in one line, for the owner's cockpit tile."""

    month: dt.date
    base_currency: str
    billed_base: int | None
    cost_base: int | None
    margin_base: int | None
    margin_percent: Decimal | None
    losing_clients: int
    unpriced_seconds: int
    missing: tuple[MissingRate, ...]


def margin_chart(
    month: dt.date, months: int = CHART_MONTHS, *, agency: Agency | None = None
) -> list[MonthPoint]:
    """Billed, cost and margin of the agency per month in base currency, the last `months`
    ending with `month`: billed summed per month and currency (no attribution needed), cost
    grouped by month alone, each converted at its month's last day. Far cheaper than the
    table's atoms, it may differ from a month's table total by the rounding of the table's
    finer conversions (under a minor unit per client, person or SOP)."""
    agency = agency_of(agency)
    first = add_months(month, 1 - months)
    end = add_months(month, 1)
    zone = agency.time_zone
    lo, hi = range_utc(first, end, zone)
    billed = db.session.execute(
        sa.select(Invoice.issued_at, Invoice.currency, Invoice.subtotal_minor).where(
            Invoice.status.not_in(COUNTED),
            Invoice.issued_at >= lo,
            Invoice.issued_at < hi,
        )
    ).all()
    undated = db.session.execute(
        sa.select(Invoice.issue_date, Invoice.currency, Invoice.subtotal_minor).where(
            Invoice.status.not_in(COUNTED),
            Invoice.issued_at.is_(None),
            Invoice.issue_date >= first,
            Invoice.issue_date < end,
        )
    ).all()
    sums: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
    for issued_at, currency, amount in billed:
        sums[(local_month(issued_at, None, zone), currency)][0] += int(amount or 0)
    for day, currency, amount in undated:
        sums[(day.replace(day=1), currency)][0] += int(amount or 0)
    for g in cost_groups(first, end, zone, by=("month",)):
        if g.currency and g.amount_minor:
            sums[(g.month, g.currency)][1] += g.amount_minor
    conv = converter(
        {c for _m, c in sums}, {month_end(m) for m, _c in sums}, base_currency=agency.base_currency
    )
    points = {add_months(first, i): MonthPoint(add_months(first, i), 0, 0) for i in range(months)}
    for (m, currency), (billed_minor, cost_minor) in sums.items():
        point = points.get(m)
        if point is None:
            continue
        day = month_end(m)
        if billed_minor:
            point.billed_base = add_known(
                point.billed_base, conv.to_base(billed_minor, currency, day)
            )
        if cost_minor:
            point.cost_base = add_known(point.cost_base, conv.to_base(cost_minor, currency, day))
    return list(points.values())


def month_margin(month: dt.date | str, *, agency: Agency | None = None) -> MarginSummary:
    """The month's totals in base currency and how many clients lose money (the cockpit's
    tile); `month` a date (its month) or "YYYY-MM"."""
    if isinstance(month, str):
        month = parse_month(month)
    month = month.replace(day=1)
    report = margin_report(month, "client", agency=agency, chart_months=1)
    t = report.total
    return MarginSummary(
        month=month,
        base_currency=report.base_currency,
        billed_base=t.billed_base,
        cost_base=t.cost_base,
        margin_base=t.margin_base,
        margin_percent=t.margin_percent,
        losing_clients=report.losing_count,
        unpriced_seconds=t.unpriced_seconds,
        missing=tuple(report.missing),
    )
