"""Margin per client, person (VA) or SOP, per month.

Billed: issued invoices (neither drafts nor void) by the day they were issued in the agency's
zone, tax excluded (the invoice's subtotal, after discounts), net of credit notes (a credit
note counts in the month it was issued, as a negative amount). Billed money is attributed to
a person and an SOP where an invoice line says where it came from: a line of time is shared
over the people and SOPs of the entries it billed (`TimeEntry.invoice_line_id`, by their
seconds), a line of a delivered work item goes to the item's assignee and SOP. The rest
(packages, manual lines, lines without a source) stays on the client, "not attributed". A
credit note's lines carry no source: it is shared like the invoice it credits.

Cost: `app.rates.costs.cost_groups` (approved time at cost rates, per-item fees), the same
computation as payout statements. Time with no cost rate is counted apart (hours, no amount).

Every amount is first gathered per (client, person, SOP, month, currency), then converted to
the base currency at the rate in force on the last day of its month (`app.fx.convert`); the
rows, the totals and the chart all add those same integers, so they agree to the minor unit
whichever way the table is grouped. An amount with no rate makes the base figures of
whatever contains it unknown (None), and the missing rate is listed: never a silent 0.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.tenancy import current_agency_id
from app.extensions import db
from app.fx.convert import MissingRate, converter
from app.invoices.models import Invoice, InvoiceLine
from app.rates.costs import cost_groups
from app.sops.models import Sop
from app.time.models import TimeEntry
from app.users.models import Membership, User
from app.work.models import WorkItem

BY = ("client", "va", "sop")
# The dimension of the cost (app.rates.costs) behind each grouping of the table.
COST_DIMENSION = {"client": "client", "va": "membership", "sop": "sop"}
CHART_MONTHS = 12
NAMES_BY_ID = 1000  # above this many clients, their names are read without an id list
TOP = 100  # rows the page shows (the totals and the CSV have them all)
COUNTED = ("draft", "void")  # statuses that are not billed


# --- months ------------------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """ "2026-03" -> 1 March 2026 (the schemas check the format and range first)."""
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


# --- the atoms: (client, person, SOP, month, currency) -----------------------------------------


@dataclass
class Atom:
    """Billed and cost of one client, person, SOP, month and currency, and in base."""

    billed: int = 0
    cost: int = 0
    unpriced_seconds: int = 0
    billed_base: int | None = 0
    cost_base: int | None = 0


AtomKey = tuple[int, int | None, int | None, dt.date, str | None]


def _split(total: int, weights: list[tuple[object, int]]) -> list[tuple[object, int]]:
    """`total` shared over the weights' keys in proportion, by largest remainder, so the
    parts add up to it exactly (a negative total is shared the same way, mirrored)."""
    weight_sum = sum(w for _, w in weights)
    if not weights or weight_sum == 0:
        return []
    sign = -1 if total < 0 else 1
    target = abs(total)
    exact = [Fraction(target * w, weight_sum) for _, w in weights]
    floors = [int(x) for x in exact]
    left = target - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(weights[i][0], sign * floors[i]) for i in range(len(weights))]


def range_utc(start: dt.date, end: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(zone)
    lo = dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC)
    hi = dt.datetime.combine(end, dt.time(), tz).astimezone(dt.UTC)
    return lo, hi


class _Issued(NamedTuple):
    id: int
    kind: str
    credited_invoice_id: int | None
    client_id: int
    currency: str
    month: dt.date
    in_range: bool
    subtotal_minor: int


def local_month(issued_at: dt.datetime | None, issue_date: dt.date | None, zone: str) -> dt.date:
    """The first day of the month an invoice was issued in, in the agency's zone (in Python:
    the embedded database has no time zones)."""
    if issued_at is not None:
        if issued_at.tzinfo is None:
            issued_at = issued_at.replace(tzinfo=dt.UTC)
        return issued_at.astimezone(zoneinfo.ZoneInfo(zone)).date().replace(day=1)
    return (issue_date or dt.date.min).replace(day=1)


def billed_parts(
    start: dt.date, end: dt.date, zone: str
) -> list[tuple[int, int | None, int | None, dt.date, str, int]]:
    """Billed money of invoices and credit notes issued on days [start, end) of `zone`:
    (client, person or None, SOP or None, month, currency, amount) parts, tax excluded.
    Three queries whatever the number of invoices."""
    lo, hi = range_utc(start, end, zone)
    in_range = sa.or_(
        sa.and_(Invoice.issued_at >= lo, Invoice.issued_at < hi),
        sa.and_(Invoice.issued_at.is_(None), Invoice.issue_date >= start, Invoice.issue_date < end),
    )
    counted = Invoice.status.not_in(COUNTED)
    credited = (
        sa.select(Invoice.credited_invoice_id)
        .where(counted, in_range, Invoice.kind == "credit_note")
        .where(Invoice.credited_invoice_id.is_not(None))
        .scalar_subquery()
    )
    wanted = sa.or_(in_range, Invoice.id.in_(credited))
    invoices = [
        _Issued(*row[:5], local_month(row[5], row[6], zone), *row[7:])
        for row in db.session.execute(
            sa.select(
                Invoice.id,
                Invoice.kind,
                Invoice.credited_invoice_id,
                Invoice.client_id,
                Invoice.currency,
                Invoice.issued_at,
                Invoice.issue_date,
                in_range.label("in_range"),
                Invoice.subtotal_minor,
            ).where(counted, wanted)
        )
    ]
    if not invoices:
        return []
    ids = sa.select(Invoice.id).where(counted, wanted).scalar_subquery()
    lines = db.session.execute(
        sa.select(
            InvoiceLine.invoice_id,
            InvoiceLine.id,
            InvoiceLine.net_minor,
            InvoiceLine.source_type,
            WorkItem.assignee_id,
            WorkItem.sop_id,
        )
        .outerjoin(
            WorkItem,
            sa.and_(InvoiceLine.source_type == "work_item", WorkItem.id == InvoiceLine.source_id),
        )
        .where(InvoiceLine.invoice_id.in_(ids))
        .where(InvoiceLine.source_type.in_(("time", "work_item")))
    ).all()
    time_lines = [ln_id for _, ln_id, _, source, _, _ in lines if source == "time"]
    shares: dict[int, list[tuple[object, int]]] = defaultdict(list)
    if time_lines:
        for line_id, member, sop, seconds in db.session.execute(
            sa.select(
                TimeEntry.invoice_line_id,
                TimeEntry.membership_id,
                WorkItem.sop_id,
                sa.func.sum(sa.func.coalesce(TimeEntry.duration_seconds, 0)),
            )
            .outerjoin(WorkItem, WorkItem.id == TimeEntry.work_item_id)
            .where(TimeEntry.invoice_line_id.in_(time_lines))
            .group_by(TimeEntry.invoice_line_id, TimeEntry.membership_id, WorkItem.sop_id)
            .order_by(TimeEntry.invoice_line_id, TimeEntry.membership_id, WorkItem.sop_id)
        ):
            shares[line_id].append(((member, sop), int(seconds or 0)))
    # Each invoice's attribution: (person, SOP) -> amount; the rest under (None, None).
    attributed: dict[int, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for invoice_id, line_id, net, source, assignee, sop in lines:
        if source == "work_item":
            attributed[invoice_id][(assignee, sop)] += int(net)
        else:
            for key, amount in _split(int(net), shares.get(line_id, [])):
                attributed[invoice_id][key] += amount  # type: ignore[index]
    by_invoice: dict[int, list[tuple[tuple, int]]] = {}
    for inv in invoices:
        parts = dict(attributed.get(inv.id, {}))
        rest = int(inv.subtotal_minor) - sum(parts.values())
        if rest:
            parts[(None, None)] = parts.get((None, None), 0) + rest
        by_invoice[inv.id] = [(k, v) for k, v in sorted(parts.items(), key=_key_order) if v]
    out = []
    for inv in invoices:
        if not inv.in_range:
            continue
        if inv.kind == "credit_note" and inv.credited_invoice_id in by_invoice:
            base = [(k, v) for k, v in by_invoice[inv.credited_invoice_id]]
            positive = [(k, v) for k, v in base if v > 0]
            parts = _split(int(inv.subtotal_minor), positive) or [
                ((None, None), int(inv.subtotal_minor))
            ]
        else:
            parts = by_invoice[inv.id]
        for (member, sop), amount in parts:  # type: ignore[misc]
            if amount:
                out.append((inv.client_id, member, sop, inv.month, inv.currency, amount))
    return out


def _key_order(item: tuple) -> tuple:
    (member, sop), _ = item
    return (member is None, member or 0, sop is None, sop or 0)


def atoms(
    start: dt.date,
    end: dt.date,
    zone: str,
    base_currency: str,
    cost_by: tuple[str, ...] = ("client", "membership", "sop", "month"),
):
    """Billed and cost per (client, person, SOP, month, currency) for months [start, end),
    converted to the base currency; and the missing rates. Cost is grouped by `cost_by`
    only (the dimensions left out are None in its atoms): a table by client needs no
    person or SOP of the cost, and an agency's month has tens of thousands of them."""
    out: dict[AtomKey, Atom] = defaultdict(Atom)
    for client, member, sop, month, currency, amount in billed_parts(start, end, zone):
        out[(client, member, sop, month, currency)].billed += amount
    for g in cost_groups(start, end, zone, by=cost_by):
        atom = out[(g.client_id, g.membership_id, g.sop_id, g.month, g.currency)]
        if g.kind == "unpriced":
            atom.unpriced_seconds += g.seconds
        else:
            atom.cost += g.amount_minor
    conv = converter(
        {k[4] for k in out if k[4]}, {month_end(k[3]) for k in out}, base_currency=base_currency
    )
    for (_, _, _, month, currency), atom in out.items():
        day = month_end(month)
        for name in ("billed", "cost"):
            amount = getattr(atom, name)
            base = 0 if not amount or currency is None else conv.to_base(amount, currency, day)
            setattr(atom, f"{name}_base", base)
    return out, conv.missing


# --- rows ----------------------------------------------------------------------------------------


def add_known(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


@dataclass
class MarginRow:
    """One client, person or SOP (key None: not attributed / no SOP) in one month."""

    key: int | None
    name: str = ""
    billed: dict[str, int] = field(default_factory=dict)
    cost: dict[str, int] = field(default_factory=dict)
    unattributed: dict[str, int] = field(default_factory=dict)
    unpriced_seconds: int = 0
    billed_base: int | None = 0
    cost_base: int | None = 0
    unattributed_base: int | None = 0

    def take(self, k: AtomKey, atom: Atom) -> None:
        currency = k[4]
        if currency:
            if atom.billed:
                self.billed[currency] = self.billed.get(currency, 0) + atom.billed
            if atom.cost:
                self.cost[currency] = self.cost.get(currency, 0) + atom.cost
            if atom.billed and k[1] is None and k[2] is None:
                self.unattributed[currency] = self.unattributed.get(currency, 0) + atom.billed
                self.unattributed_base = add_known(self.unattributed_base, atom.billed_base)
        self.unpriced_seconds += atom.unpriced_seconds
        self.billed_base = add_known(self.billed_base, atom.billed_base)
        self.cost_base = add_known(self.cost_base, atom.cost_base)

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.billed) | set(self.cost))

    def margin(self, currency: str) -> int:
        return self.billed.get(currency, 0) - self.cost.get(currency, 0)

    @property
    def margin_base(self) -> int | None:
        if self.billed_base is None or self.cost_base is None:
            return None
        return self.billed_base - self.cost_base

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin as a percentage of billed, one decimal (None: nothing billed or no rate)."""
        margin = self.margin_base
        if margin is None or not self.billed_base:
            return None
        return (Decimal(margin) * 100 / Decimal(self.billed_base)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def losing(self) -> bool:
        """Costs more than it brought in (in base; in a currency when base is unknown)."""
        margin = self.margin_base
        if margin is not None:
            return margin < 0
        return any(self.margin(c) < 0 for c in self.currencies)

    @property
    def unpriced_hours(self) -> Decimal:
        return (Decimal(self.unpriced_seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class MonthPoint:
    month: dt.date
    billed_base: int | None
    cost_base: int | None

    @property
    def margin_base(self) -> int | None:
        if self.billed_base is None or self.cost_base is None:
            return None
        return self.billed_base - self.cost_base


@dataclass
class MarginReport:
    month: dt.date
    by: str
    base_currency: str
    rows: list[MarginRow]  # every group, the biggest billed first
    total: MarginRow
    chart: list[MonthPoint]
    missing: list[MissingRate]

    @property
    def losing_count(self) -> int:
        return sum(1 for r in self.rows if r.losing)


def _group_key(by: str, k: AtomKey) -> int | None:
    if by == "client":
        return k[0]
    if by == "va":
        return k[1]
    return k[2]


def _names(by: str, keys: Iterable[int | None]) -> dict[int, str]:
    ids = [k for k in keys if k is not None]
    if not ids:
        return {}
    if by == "client" and len(ids) > NAMES_BY_ID:
        # thousands of clients: every name of the agency, rather than a huge IN list
        return dict(db.session.execute(sa.select(Client.id, Client.name)).all())
    if by == "client":
        stmt = sa.select(Client.id, Client.name).where(Client.id.in_(ids))
    elif by == "va":
        stmt = (
            sa.select(Membership.id, User.name)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id.in_(ids))
        )
    else:
        stmt = sa.select(Sop.id, Sop.title).where(Sop.id.in_(ids))
    return {i: name for i, name in db.session.execute(stmt)}


def _sort_key(row: MarginRow) -> tuple:
    base = row.billed_base if row.billed_base is not None else -1
    return (row.key is None, -base, row.name.lower(), row.key or 0)


def agency_of(agency: Agency | None) -> Agency:
    if agency is not None:
        return agency
    found = db.session.get(Agency, current_agency_id())
    if found is None:
        raise RuntimeError("margin is computed inside an agency (app.core.tenancy)")
    return found


def margin_report(
    month: dt.date,
    by: str = "client",
    *,
    agency: Agency | None = None,
    chart_months: int = CHART_MONTHS,
    losing_only: bool = False,
) -> MarginReport:
    """The month's margin grouped `by` client, va or sop, with the last `chart_months`
    months (ending with this one) of the whole agency in base currency."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    agency = agency_of(agency)
    found, missing = atoms(
        month,
        add_months(month, 1),
        agency.time_zone,
        agency.base_currency,
        cost_by=(COST_DIMENSION[by], "month"),
    )
    rows: dict[int | None, MarginRow] = {}
    total = MarginRow(None)
    for k, atom in found.items():
        key = _group_key(by, k)
        rows.setdefault(key, MarginRow(key)).take(k, atom)
        total.take(k, atom)
    from app.margin.summary import margin_chart  # the chart's module builds on this one

    chart = margin_chart(month, chart_months, agency=agency) if chart_months > 1 else []
    names = _names(by, rows)
    for key, row in rows.items():
        row.name = names.get(key, "") if key is not None else ""
    shown = [r for r in rows.values() if r.losing] if losing_only else list(rows.values())
    month_missing = [m for m in missing if m.day == month_end(month)]
    return MarginReport(
        month=month,
        by=by,
        base_currency=agency.base_currency,
        rows=sorted(shown, key=_sort_key),
        total=total,
        chart=chart or [MonthPoint(month, total.billed_base, total.cost_base)],
        missing=month_missing,
    )


__all__ = [
    "BY",
    "MarginReport",
    "MarginRow",
    "MonthPoint",
    "add_months",
    "billed_parts",
    "margin_report",
    "month_end",
    "parse_month",
]
