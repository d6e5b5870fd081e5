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
half-up once to a minor unit (`rounding.half_up`). Groups are (person, client, SOP, month,
kind, rate), so any report that sums groups (per person, per client, per SOP) adds the same
integers. The time side is one aggregate query over the entries' covering index; the rate
rows are turned into day ranges in SQL (a window over each person's rows of one scope).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa

from app.extensions import db
from app.rates.models import CostRate
from app.rates.pricing import cost_rate_rows, cost_timelines
from app.rates.rounding import half_up
from app.time.models import TimeEntry
from app.users.models import Membership
from app.work.models import WorkItem

KINDS = ("time", "covered", "unpriced", "fee")


@dataclass(frozen=True)
class CostGroup:
    """Cost of one person's work for one client, SOP and month at one rate.

    kind "time": approved time at an hourly rate; "covered": approved time on items paid by
    a per-item fee (amount 0); "unpriced": approved time with no cost rate (amount 0);
    "fee": `items` delivered work items at a fee each (seconds 0)."""

    membership_id: int
    client_id: int
    sop_id: int | None
    month: dt.date  # the first day of the month of the entries' days or the deliveries
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
    return half_up(Fraction(rate_minor * seconds, 3600))


def time_cost_groups(
    start: dt.date,
    end: dt.date,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
) -> list[CostGroup]:
    """Approved time with entry days in [start, end), grouped and priced (see the module)."""
    fee = _segments()
    hourly = _segments()
    sop_scope = sa.literal("sop:") + sa.cast(WorkItem.sop_id, sa.String)
    year = sa.extract("year", TimeEntry.entry_date)
    month = sa.extract("month", TimeEntry.entry_date)
    rate = sa.func.coalesce(hourly.c.rate_minor, Membership.cost_rate_minor)
    currency = sa.case(
        (hourly.c.id.is_not(None), hourly.c.currency), else_=Membership.cost_currency
    )
    covered = fee.c.id.is_not(None)
    stmt = (
        sa.select(
            TimeEntry.membership_id,
            TimeEntry.client_id,
            WorkItem.sop_id,
            year,
            month,
            covered,
            rate,
            currency,
            sa.func.sum(sa.func.coalesce(TimeEntry.duration_seconds, 0)),
        )
        .join(Membership, Membership.id == TimeEntry.membership_id)
        .outerjoin(WorkItem, WorkItem.id == TimeEntry.work_item_id)
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
        .where(
            TimeEntry.entry_date >= start,
            TimeEntry.entry_date < end,
            TimeEntry.approved_at.is_not(None),
        )
        .group_by(
            TimeEntry.membership_id,
            TimeEntry.client_id,
            WorkItem.sop_id,
            year,
            month,
            covered,
            rate,
            currency,
        )
    )
    if membership_ids is not None:
        stmt = stmt.where(TimeEntry.membership_id.in_(list(membership_ids)))
    if client_ids is not None:
        stmt = stmt.where(TimeEntry.client_id.in_(list(client_ids)))
    out = []
    for member, client, sop, y, m, is_covered, rate_minor, cur, seconds in db.session.execute(stmt):
        seconds = int(seconds or 0)
        if is_covered:
            kind, rate_minor, cur, amount = "covered", None, None, 0
        elif rate_minor is None or not cur:
            kind, rate_minor, cur, amount = "unpriced", None, None, 0
        else:
            kind, amount = "time", _amount(int(rate_minor), seconds)
        out.append(
            CostGroup(member, client, sop, _month(y, m), kind, rate_minor, cur, seconds, 0, amount)
        )
    return _merged(out)


def fee_cost_groups(
    start: dt.date,
    end: dt.date,
    zone: str,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
) -> list[CostGroup]:
    """Fees of the work items delivered on days [start, end) of `zone` (the agency's): one
    per item, at the assignee's fee for the item's SOP on the delivery day."""
    tz = zoneinfo.ZoneInfo(zone)
    lo = dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC)
    hi = dt.datetime.combine(end, dt.time(), tz).astimezone(dt.UTC)
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
    counts: dict[tuple, int] = defaultdict(int)
    for member, client, sop, delivered_at in rows:
        day = delivered_at.astimezone(tz).date()
        row = lines[(member, f"sop:{sop}")].on(day)
        if row is not None:
            counts[(member, client, sop, day.replace(day=1), row.rate_minor, row.currency)] += 1
    return [
        CostGroup(member, client, sop, month, "fee", rate, cur, 0, n, rate * n)
        for (member, client, sop, month, rate, cur), n in counts.items()
    ]


def cost_groups(
    start: dt.date,
    end: dt.date,
    zone: str,
    *,
    membership_ids: Iterable[int] | None = None,
    client_ids: Iterable[int] | None = None,
) -> list[CostGroup]:
    """Every cost of days [start, end): approved time and delivered items' fees."""
    return time_cost_groups(
        start, end, membership_ids=membership_ids, client_ids=client_ids
    ) + fee_cost_groups(start, end, zone, membership_ids=membership_ids, client_ids=client_ids)


def _merged(groups: list[CostGroup]) -> list[CostGroup]:
    """SQL's groups with the same key once covered and unpriced time lose their rate (time
    covered at two hourly rates is one covered group), the amount on the summed seconds."""
    by_key: dict[tuple, list[CostGroup]] = defaultdict(list)
    for g in groups:
        by_key[
            (g.membership_id, g.client_id, g.sop_id, g.month, g.kind, g.rate_minor, g.currency)
        ].append(g)
    out = []
    for (member, client, sop, month, kind, rate, cur), same in by_key.items():
        seconds = sum(g.seconds for g in same)
        amount = _amount(rate, seconds) if kind == "time" and rate is not None else 0
        out.append(CostGroup(member, client, sop, month, kind, rate, cur, seconds, 0, amount))
    return out


def totals_by_currency(groups: Iterable[CostGroup]) -> dict[str, int]:
    """Sum of the groups' amounts per currency (unpriced and covered time adds nothing)."""
    out: dict[str, int] = defaultdict(int)
    for g in groups:
        if g.currency and g.amount_minor:
            out[g.currency] += g.amount_minor
    return dict(out)


__all__ = [
    "KINDS",
    "CostGroup",
    "cost_groups",
    "fee_cost_groups",
    "time_cost_groups",
    "totals_by_currency",
]
