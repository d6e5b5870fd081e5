"""What time bills at and what it costs: the resolvers.

`resolve_bill_rate(entry)` answers (rate in minor units, currency, level) for one entry;
`price_entries(entries)` does it for a list in a fixed number of queries (the rates of
every scope the entries touch are read at once, then chosen in Python), so a page or an
invoice line source never runs a query per entry. The entries are expected with their
client (and its package), member and work item loaded, as `TimeEntry` loads them.

Resolution, for the entry's day (`entry_date`): the work item's rate, else the person's
override at the client, else the client's, else the client's service package's, else the
agency default; at each level the latest row whose `effective_from` is on or before the day,
and for the client and the package their own undated rate when no row applies (see
app.rates.models).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from app.extensions import db
from app.rates.models import BillRate, CostRate, TimeBillingSettings, bill_scope
from app.rates.queries import billing_settings
from app.rates.rounding import amount_minor, billed_minutes
from app.time.models import TimeEntry


class Rate(NamedTuple):
    """A resolved rate: minor units an hour (or per item), its currency and its level."""

    minor: int
    currency: str
    level: str


@dataclass(frozen=True)
class PricedEntry:
    """An entry with its bill rate (None: no level has one), its billed minutes after the
    agency's rounding, and what those minutes come to at the rate on their own."""

    entry: TimeEntry
    rate: Rate | None
    minutes: int

    @property
    def amount_minor(self) -> int | None:
        return amount_minor(self.rate.minor, self.minutes) if self.rate else None


class _Timeline:
    """Rows of one scope, newest day first: the one that applies on a day."""

    def __init__(self) -> None:
        self.rows: list[BillRate | CostRate] = []

    def on(self, day: dt.date) -> BillRate | CostRate | None:
        return next((r for r in self.rows if r.effective_from <= day), None)


def _timelines(rows: Iterable[BillRate | CostRate]) -> dict[str, _Timeline]:
    out: dict[str, _Timeline] = defaultdict(_Timeline)
    for row in sorted(rows, key=lambda r: (r.effective_from, r.id), reverse=True):
        out[row.scope].rows.append(row)
    return out


def bill_rate_rows(entries: Sequence[TimeEntry]) -> list[BillRate]:
    """Every bill rate row that could apply to one of `entries` (one query)."""
    clients = {e.client_id for e in entries}
    items = {e.work_item_id for e in entries if e.work_item_id is not None}
    packages = {e.client.service_package_id for e in entries if e.client.service_package_id}
    wanted = [BillRate.level == "agency"]
    if clients:
        wanted.append(BillRate.client_id.in_(clients))
    if items:
        wanted.append(BillRate.work_item_id.in_(items))
    if packages:
        wanted.append(BillRate.service_package_id.in_(packages))
    return list(db.session.scalars(sa.select(BillRate).where(sa.or_(*wanted))))


def _resolve(entry: TimeEntry, lines: dict[str, _Timeline]) -> Rate | None:
    day = entry.entry_date
    client = entry.client
    if entry.work_item_id is not None:
        row = lines[bill_scope("work_item", work_item_id=entry.work_item_id)].on(day)
        if row is not None:
            return Rate(row.rate_minor, row.currency, "work_item")
    scope = bill_scope("client_member", client_id=client.id, membership_id=entry.membership_id)
    if (row := lines[scope].on(day)) is not None:
        return Rate(row.rate_minor, row.currency, "client_member")
    if (row := lines[bill_scope("client", client_id=client.id)].on(day)) is not None:
        return Rate(row.rate_minor, row.currency, "client")
    if client.bill_rate_minor is not None:
        return Rate(client.bill_rate_minor, client.currency, "client")
    package = client.service_package
    if package is not None:
        row = lines[bill_scope("package", service_package_id=package.id)].on(day)
        if row is not None:
            return Rate(row.rate_minor, row.currency, "package")
        if package.pricing == "hourly" and package.price_minor is not None:
            return Rate(package.price_minor, package.currency, "package")
    if (row := lines["agency"].on(day)) is not None:
        return Rate(row.rate_minor, row.currency, "agency")
    return None


def price_entries(
    entries: Sequence[TimeEntry], settings: TimeBillingSettings | None = None
) -> list[PricedEntry]:
    """Each entry's bill rate and billed minutes, in the order given: two queries (the
    settings, unless given, and the rates), whatever the number of entries."""
    if not entries:
        return []
    settings = settings or billing_settings()
    lines = _timelines(bill_rate_rows(entries))
    increment, direction = settings.rounding_increment, settings.rounding_direction
    return [
        PricedEntry(e, _resolve(e, lines), billed_minutes(e.seconds(), increment, direction))
        for e in entries
    ]


def resolve_bill_rate(entry: TimeEntry) -> Rate | None:
    """(rate in minor units an hour, currency, level) of one entry, or None."""
    return _resolve(entry, _timelines(bill_rate_rows([entry])))


# --- costs -------------------------------------------------------------------------------


def cost_rate_rows(membership_ids: Iterable[int]) -> list[CostRate]:
    ids = set(membership_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(CostRate).where(CostRate.membership_id.in_(ids))))


def cost_timelines(rows: Iterable[CostRate]) -> dict[tuple[int, str], _Timeline]:
    out: dict[tuple[int, str], _Timeline] = defaultdict(_Timeline)
    for row in sorted(rows, key=lambda r: (r.effective_from, r.id), reverse=True):
        out[(row.membership_id, row.scope)].rows.append(row)
    return out


def _cost(entry: TimeEntry, lines: dict[tuple[int, str], _Timeline]) -> Rate | None:
    day, member = entry.entry_date, entry.member
    item = entry.work_item
    if item is not None:
        row = lines[(member.id, f"sop:{item.sop_id}")].on(day)
        if row is not None:
            return Rate(row.rate_minor, row.currency, "per_item")
    if (row := lines[(member.id, "hourly")].on(day)) is not None:
        return Rate(row.rate_minor, row.currency, "hourly")
    if member.cost_rate_minor is not None and member.cost_currency:
        return Rate(member.cost_rate_minor, member.cost_currency, "hourly")
    return None


def resolve_cost_rate(entry: TimeEntry) -> Rate | None:
    """What the entry's person is paid for it: a fee per work item of the item's SOP
    (level "per_item": the entry's time is covered by the item's fee), else their hourly
    cost (level "hourly"), on the entry's day; None when they have neither."""
    return _cost(entry, cost_timelines(cost_rate_rows([entry.membership_id])))


def cost_entries(entries: Sequence[TimeEntry]) -> dict[int, Rate | None]:
    """`resolve_cost_rate` for many entries (by entry id) in one query."""
    lines = cost_timelines(cost_rate_rows(e.membership_id for e in entries))
    return {e.id: _cost(e, lines) for e in entries}


def current_cost_rates(rows: Sequence[CostRate], day: dt.date) -> list[CostRate]:
    """The rows of a person that apply on `day`, one per scope (the hourly one and each SOP's
    fee)."""
    return [line.on(day) for line in cost_timelines(rows).values() if line.on(day) is not None]
