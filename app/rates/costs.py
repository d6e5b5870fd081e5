"""What the agency's work cost it over a period: approved time at each person's cost rate,
and fees per delivered work item. The one computation behind margin reports and payout
statements, so a statement and the margin of the same days agree to the minor unit.

Rules (the same as `app.rates.pricing.resolve_cost_rate`, applied in bulk):

* Only approved time counts (`approved_at` set), on its `entry_date` (the person's day).
* An entry on a work item whose SOP has a per-item fee for that person on the entry's day is
  *covered* by the fee: its time costs nothing on its own (kind "covered").
* Otherwise the person's hourly cost row on that day applies, else their membership's
  default cost rate (kind "time"); with neither, the time is "unpriced" (shown, never
  guessed).
* A fee is owed once per work item, for the item's assignee, when it is delivered: the fee
  row for the item's SOP on the delivery day (in the agency's zone) applies (kind "fee").

Amounts are exact: each group's seconds times its hourly rate, divided by 3600, rounded
half-up once to a minor unit. Groups are (person, client, SOP, month, kind, rate), or fewer
dimensions when asked (`by`): a payout groups by person, a margin by client. Each grouping
rounds its own groups, so two groupings of the same days may differ by the rounding of
their groups (under one minor unit each); a statement and the report it is checked against
use the same grouping. The time side is one aggregate query over the entries' covering
index; the rate rows are turned into day ranges in SQL (a window over each person's rows of
one scope).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa

from app.core.db import values_table
from app.extensions import db
from app.rates.models import CostRate
from app.rates.pricing import cost_rate_rows, cost_timelines
from app.time.models import TimeEntry
from app.users.models import Membership
from app.work.models import WorkItem

KINDS = ("time", "covered", "unpriced", "fee")
Span = tuple[dt.date, dt.date]  # days [start, end)
DIMENSIONS = ("membership", "client", "sop", "month")


class CostGroup(NamedTuple):
    """Cost of one person's work for one client, SOP and month at one rate.

    kind "time": approved time at an hourly rate; "covered": approved time on items paid by
    a per-item fee (amount 0); "unpriced": approved time with no cost rate (amount 0);
    "fee": `items` delivered work items at a fee each (seconds 0)."""

    membership_id: int | None  # None when not grouped by it (`by`)
    client_id: int | None
    sop_id: int | None
    month: dt.date | None  # the first day of the month of the entries' days or deliveries
    kind: str
    rate_minor: int | None
    currency: str | None
    seconds: int
    items: int
    amount_minor: int


def _segments() -> sa.Subquery:
    """Cost rows as day ranges: [effective_from, until) per person and scope, `until` the
    next row's day of the same person and scope (NULL: still in force)."""
    until = sa.func.lead(CostRate.effective_from).over(
        partition_by=(CostRate.membership_id, CostRate.scope),
        order_by=(CostRate.effective_from, CostRate.id),
    )
    stmt = sa.select(
        CostRate.id,
        CostRate.membership_id,
        CostRate.scope,
        CostRate.rate_minor,
        CostRate.currency,
        CostRate.effective_from,
        until.label("until"),
    )
    return stmt.subquery()


def _in_force(segment: sa.Subquery, day: sa.ColumnElement) -> sa.ColumnElement[bool]:
    return sa.and_(
        segment.c.effective_from <= day,
        sa.or_(segment.c.until.is_(None), day < segment.c.until),
    )


def _month(year: object, month: object) -> dt.date:
    return dt.date(int(year), int(month), 1)


def _amount(rate_minor: int, seconds: int) -> int:
    """rate x seconds / 3600, half-up to a minor unit, in integers."""
    return (2 * rate_minor * seconds + 3600) // 7200


def _keep(by: Collection[str], member: Any, client: Any, sop: Any, month: Any) -> tuple:
    """A group's key with the dimensions not asked for left out (None)."""
    return (
        member if "membership" in by else None,
        client if "client" in by else None,
        sop if "sop" in by else None,
        month if "month" in by else None,
    )


def time_cost_groups(
    start: dt.date,
    end: dt.date,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
    by: Collection[str] = DIMENSIONS,
) -> list[CostGroup]:
    """Approved time with entry days in [start, end), grouped by the dimensions `by` (of
    DIMENSIONS; the others are None in the groups) and priced (see the module)."""
    filters = {"membership_ids": membership_ids, "client_ids": client_ids, "by": by}
    return _time_groups([(start, end)], **filters).get((start, end), [])


def _time_groups(
    periods: Sequence[Span],
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
    by: Collection[str] = DIMENSIONS,
) -> dict[Span, list[CostGroup]]:
    """`time_cost_groups` of each period in one statement: the entries are joined to the
    periods (a VALUES list), grouped by period as well, and each period rounds its own
    groups, as a call per period would."""
    spans = sorted(set(periods))
    if not spans:
        return {}
    span = values_table(
        "cost_spans",
        [("span_start", sa.Date()), ("span_end", sa.Date())],
        spans,
        db.session.get_bind().dialect.name,
    )
    fee = _segments()
    hourly = _segments()
    # The work item (its SOP) matters for a per-item fee, or when grouping by SOP: without
    # the latter, only the items of SOPs that have a fee are joined (not all the agency's).
    if "sop" in by:
        items = sa.select(WorkItem.id, WorkItem.sop_id).subquery()
    else:
        fee_sops = db.session.scalars(
            sa.select(CostRate.sop_id).where(CostRate.sop_id.is_not(None)).distinct()
        ).all()
        items = (
            sa.select(WorkItem.id, WorkItem.sop_id).where(WorkItem.sop_id.in_(fee_sops)).subquery()
        )
    sop_scope = sa.literal("sop:") + sa.cast(items.c.sop_id, sa.String)
    rate = sa.func.coalesce(hourly.c.rate_minor, Membership.cost_rate_minor)
    currency = sa.case(
        (hourly.c.id.is_not(None), hourly.c.currency), else_=Membership.cost_currency
    )
    covered = fee.c.id.is_not(None)
    keys = {
        "membership": [TimeEntry.membership_id],
        "client": [TimeEntry.client_id],
        "sop": [items.c.sop_id],
        "month": [
            sa.extract("year", TimeEntry.entry_date),
            sa.extract("month", TimeEntry.entry_date),
        ],
    }
    columns = [c for name in DIMENSIONS if name in by for c in keys[name]]
    stmt = (
        sa.select(
            span.c.span_start,
            span.c.span_end,
            *columns,
            covered,
            rate,
            currency,
            sa.func.sum(sa.func.coalesce(TimeEntry.duration_seconds, 0)),
        )
        .join(Membership, Membership.id == TimeEntry.membership_id)
        .outerjoin(items, items.c.id == TimeEntry.work_item_id)
        .outerjoin(
            fee,
            sa.and_(
                fee.c.membership_id == TimeEntry.membership_id,
                fee.c.scope == sop_scope,
                _in_force(fee, TimeEntry.entry_date),
            ),
        )
        .outerjoin(
            hourly,
            sa.and_(
                hourly.c.membership_id == TimeEntry.membership_id,
                hourly.c.scope == "hourly",
                _in_force(hourly, TimeEntry.entry_date),
            ),
        )
        .join(
            span,
            sa.and_(
                TimeEntry.entry_date >= span.c.span_start, TimeEntry.entry_date < span.c.span_end
            ),
        )
        .where(
            TimeEntry.entry_date >= min(s for s, _e in spans),
            TimeEntry.entry_date < max(e for _s, e in spans),
            TimeEntry.approved_at.is_not(None),
        )
        .group_by(span.c.span_start, span.c.span_end, *columns, covered, rate, currency)
    )
    if membership_ids is not None:
        stmt = stmt.where(TimeEntry.membership_id.in_(list(membership_ids)))
    if client_ids is not None:
        stmt = stmt.where(TimeEntry.client_id.in_(list(client_ids)))
    # Covered and unpriced time lose their rate: SQL's groups of them at two hourly rates
    # are one group here.
    seconds_of: dict[Span, dict[tuple, int]] = {p: defaultdict(int) for p in spans}
    for row in db.session.execute(stmt):
        values = iter(row)
        period = (next(values), next(values))
        found = {name: [next(values) for _c in keys[name]] for name in DIMENSIONS if name in by}
        is_covered, rate_minor, cur, seconds = values
        month = _month(*found["month"]) if "month" in found else None
        dims = (
            *(
                found[name][0] if name in found else None
                for name in ("membership", "client", "sop")
            ),
            month,
        )
        if is_covered:
            kind, rate_minor, cur = "covered", None, None
        elif rate_minor is None or not cur:
            kind, rate_minor, cur = "unpriced", None, None
        else:
            kind, rate_minor = "time", int(rate_minor)
        seconds_of[period][(*dims, kind, rate_minor, cur)] += int(seconds or 0)
    return {
        period: [
            CostGroup(
                member, client, sop, month, kind, rate, cur, seconds, 0,
                _amount(rate, seconds) if kind == "time" else 0,
            )
            for (member, client, sop, month, kind, rate, cur), seconds in groups.items()
        ]
        for period, groups in seconds_of.items()
    }  # fmt: skip


def fee_cost_groups(
    start: dt.date,
    end: dt.date,
    zone: str,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
    by: Collection[str] = DIMENSIONS,
) -> list[CostGroup]:
    """Fees of the work items delivered on days [start, end) of `zone` (the agency's): one
    per item, at the assignee's fee for the item's SOP on the delivery day; grouped by the
    dimensions `by`."""
    filters = {"membership_ids": membership_ids, "client_ids": client_ids, "by": by}
    return _fee_groups([(start, end)], zone, **filters).get((start, end), [])


def _fee_groups(
    periods: Sequence[Span],
    zone: str,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
    by: Collection[str] = DIMENSIONS,
) -> dict[Span, list[CostGroup]]:
    """`fee_cost_groups` of each period: the items delivered over all of them read at once,
    then counted in each period whose days hold the delivery day."""
    spans = sorted(set(periods))
    if not spans:
        return {}
    tz = zoneinfo.ZoneInfo(zone)
    lo = dt.datetime.combine(min(s for s, _e in spans), dt.time(), tz).astimezone(dt.UTC)
    hi = dt.datetime.combine(max(e for _s, e in spans), dt.time(), tz).astimezone(dt.UTC)
    stmt = sa.select(
        WorkItem.assignee_id, WorkItem.client_id, WorkItem.sop_id, WorkItem.delivered_at
    ).where(
        WorkItem.delivered_at >= lo,
        WorkItem.delivered_at < hi,
        WorkItem.assignee_id.is_not(None),
        WorkItem.assignee_id.in_(
            sa.select(CostRate.membership_id).where(CostRate.scope.like("sop:%"))
        ),
    )
    if membership_ids is not None:
        stmt = stmt.where(WorkItem.assignee_id.in_(list(membership_ids)))
    if client_ids is not None:
        stmt = stmt.where(WorkItem.client_id.in_(list(client_ids)))
    rows = db.session.execute(stmt).all()
    lines = cost_timelines(cost_rate_rows({r[0] for r in rows}))
    counts: dict[Span, dict[tuple, int]] = {p: defaultdict(int) for p in spans}
    for member, client, sop, delivered_at in rows:
        day = delivered_at.astimezone(tz).date()
        row = lines[(member, f"sop:{sop}")].on(day)
        if row is None:
            continue
        key = (*_keep(by, member, client, sop, day.replace(day=1)), row.rate_minor, row.currency)
        for start, end in spans:
            if start <= day < end:
                counts[(start, end)][key] += 1
    return {
        period: [
            CostGroup(member, client, sop, month, "fee", rate, cur, 0, n, rate * n)
            for (member, client, sop, month, rate, cur), n in found.items()
        ]
        for period, found in counts.items()
    }


def cost_groups(
    start: dt.date,
    end: dt.date,
    zone: str,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
    by: Collection[str] = DIMENSIONS,
) -> list[CostGroup]:
    """Every cost of days [start, end): approved time and delivered items' fees, grouped by
    the dimensions `by` (a payout needs only "membership", a margin by client "client":
    fewer groups, the same totals)."""
    filters = {"membership_ids": membership_ids, "client_ids": client_ids, "by": by}
    return time_cost_groups(start, end, **filters) + fee_cost_groups(start, end, zone, **filters)


def cost_groups_by_period(
    periods: Iterable[Span],
    zone: str,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
    by: Collection[str] = DIMENSIONS,
) -> dict[Span, list[CostGroup]]:
    """`cost_groups` of each (start, end) period, every period at once: a bounded number of
    statements however many periods, the same groups and amounts as a call per period."""
    spans = sorted(set(periods))
    filters = {"membership_ids": membership_ids, "client_ids": client_ids, "by": by}
    time = _time_groups(spans, **filters)
    fees = _fee_groups(spans, zone, **filters)
    return {p: time.get(p, []) + fees.get(p, []) for p in spans}


def totals_by_currency(groups: Iterable[CostGroup]) -> dict[str, int]:
    """Sum of the groups' amounts per currency (unpriced and covered time adds nothing)."""
    out: dict[str, int] = defaultdict(int)
    for g in groups:
        if g.currency and g.amount_minor:
            out[g.currency] += g.amount_minor
    return dict(out)


__all__ = [
    "DIMENSIONS",
    "KINDS",
    "CostGroup",
    "cost_groups",
    "cost_groups_by_period",
    "fee_cost_groups",
    "time_cost_groups",
    "totals_by_currency",
]
