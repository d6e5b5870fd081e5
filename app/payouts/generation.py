"""Generating a period's payout statements from the costs (`app.rates.costs.cost_groups`,
the one computation of what a person is owed), and the periodic job that does it.

Carrying late costs (design). Every line keeps the days its cost came from
(`source_start`, `source_end`) and the cost group's key, so the lines of a person's
statements are a ledger of what has been put on a statement for which days. Each generation
records its period (`PayoutRun`); a period is *closed* once a later period has been
generated or one of its statements is paid: no new statement is made in it any more.
Generating the statements of period P also looks at the generated periods before P (at
most a year back): the cost of those days now (`cost_groups_by_period`: the aggregate of
all those periods at once, grouped by period) minus what the statements hold for them is
put on P's statements as "carried from <period>" lines (negative for a correction that
lowers a cost), except for a person and currency whose statement of those days is not paid
yet (that draft holds them itself). A carry counts as covered as soon as it is on any
statement, so the next generation finds no difference: nothing is paid twice; and a
difference stays until some statement holds it: nothing is lost. Paid statements are never
regenerated; drafts are regenerated whole (lines replaced, adjustments kept); reviewed
statements keep what was reviewed (a difference found later is carried).

Generation takes a transaction-level advisory lock per agency, so two runs at once make
one set of statements (and the unique key per person, period and currency backs it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency
from app.audit.services import record
from app.core.clock import today_in, utcnow
from app.core.permissions import Actor
from app.extensions import db
from app.payouts.models import (
    PayoutLine,
    PayoutRun,
    PayoutStatement,
)
from app.payouts.queries import (
    Period,
    payout_settings,
    period_of,
    previous_period,
)
from app.rates.costs import CostGroup, cost_groups, cost_groups_by_period
from app.users.models import Membership

CARRY_LOOKBACK = dt.timedelta(days=366)
_LOCK_SALT = 0x5041594F  # "PAYO": the advisory lock's first key

Key = tuple  # (client_id, sop_id, month, kind, rate_minor, currency)


def _key(g: Any) -> Key:
    return (g.client_id, g.sop_id, g.month, g.kind, g.rate_minor, g.currency)


def _summary(s: PayoutStatement, what: str) -> str:
    return (
        f"Payout statement of membership {s.membership_id}, {s.period_start}..{s.period_end} "
        f"{s.currency}: {what}"
    )


# --- generating ------------------------------------------------------------------------------


def _primary_currency(member: Membership, agency: Agency) -> str:
    """Where time without a currency (unpriced, covered by a fee) is listed."""
    return member.cost_currency or agency.base_currency or "USD"


def _statement_currency(g: Any, primary: str) -> str:
    return g.currency or primary


def _members(ids: Iterable[int]) -> dict[int, Membership]:
    ids = set(ids)
    if not ids:
        return {}
    return {
        m.id: m for m in db.session.scalars(sa.select(Membership).where(Membership.id.in_(ids)))
    }


def _lock_agency(agency_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _LOCK_SALT, "b": agency_id}
        )


def refresh_totals(statement: PayoutStatement) -> None:
    statement.lines_minor = sum(ln.amount_minor for ln in statement.lines)
    statement.adjustments_minor = sum(a.signed_minor for a in statement.adjustments)
    statement.total_minor = statement.lines_minor + statement.adjustments_minor
    unpriced = sum(ln.seconds for ln in statement.lines if ln.kind == "unpriced")
    if unpriced != statement.unpriced_seconds:
        statement.unpriced_accepted_at = None
        statement.unpriced_accepted_by_id = None
    statement.unpriced_seconds = unpriced


def _line(member_id: int, source: Period, g: Any) -> PayoutLine:
    return PayoutLine(
        membership_id=member_id,
        source_start=source.start,
        source_end=source.end,
        client_id=g.client_id,
        sop_id=g.sop_id,
        month=g.month,
        kind=g.kind,
        rate_minor=g.rate_minor,
        currency=g.currency,
        seconds=g.seconds,
        items=g.items,
        amount_minor=g.amount_minor,
    )


def _carries(
    agency: Agency, period: Period, members: dict[int, Membership], regenerating: set[int]
) -> dict[tuple[int, str], list[PayoutLine]]:
    """Lines to carry into `period`'s statements: per earlier generated period (closed now),
    everyone's cost of its days now minus what the statements hold for them, except where
    an unpaid statement of those days holds that person and currency itself."""
    since = period.start - CARRY_LOOKBACK
    closed = set(
        db.session.execute(
            sa.select(PayoutRun.period_start, PayoutRun.period_end).where(
                PayoutRun.period_start < period.start, PayoutRun.period_end > since
            )
        ).all()
    )
    if not closed:
        return {}
    open_ = set(
        db.session.execute(
            sa.select(
                PayoutStatement.membership_id,
                PayoutStatement.period_start,
                PayoutStatement.currency,
            ).where(
                PayoutStatement.period_start.in_(sorted(start for start, _e in closed)),
                PayoutStatement.state != "paid",
            )
        ).all()
    )
    # What the statements hold for those days (the drafts being regenerated excluded).
    held: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    line_rows = db.session.execute(
        sa.select(
            PayoutLine.membership_id,
            PayoutLine.source_start,
            PayoutStatement.currency,
            PayoutLine.client_id,
            PayoutLine.sop_id,
            PayoutLine.month,
            PayoutLine.kind,
            PayoutLine.rate_minor,
            PayoutLine.currency,
            PayoutLine.seconds,
            PayoutLine.items,
            PayoutLine.amount_minor,
        )
        .join(PayoutStatement, PayoutStatement.id == PayoutLine.statement_id)
        .where(
            PayoutLine.source_start.in_(sorted(start for start, _e in closed)),
            PayoutLine.statement_id.not_in(sorted(regenerating) or [0]),
        )
    ).all()
    for member_id, src, st_cur, *key, seconds, items, amount in line_rows:
        acc = held[(member_id, src, st_cur, *key)]
        acc[0] += seconds
        acc[1] += items
        acc[2] += amount
    out: dict[tuple[int, str], list[PayoutLine]] = defaultdict(list)
    # The cost of every closed period's days now, all periods at once (one aggregate each
    # of time and fees, grouped by period: statements do not grow with the periods).
    costs = cost_groups_by_period(closed, agency.time_zone)
    found = {g.membership_id for groups in costs.values() for g in groups}
    members.update(_members(found - set(members)))
    for start, end in sorted(closed):
        source = Period(start, end)
        groups = costs[(start, end)]
        now: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for g in groups:
            cur = _statement_currency(g, _primary_currency(members[g.membership_id], agency))
            acc = now[(g.membership_id, start, cur, *_key(g))]
            acc[0] += g.seconds
            acc[1] += g.items
            acc[2] += g.amount_minor
        keys = set(now) | {k for k in held if k[1] == start}
        for k in sorted(keys, key=repr):
            member_id, cur = k[0], k[2]
            if (member_id, start, cur) in open_:
                continue  # an unpaid statement of those days holds them itself
            n, h = now.get(k, [0, 0, 0]), held.get(k, [0, 0, 0])
            diff = (n[0] - h[0], n[1] - h[1], n[2] - h[2])
            if diff == (0, 0, 0):
                continue
            client_id, sop_id, month, kind, rate, line_cur = k[3:]
            g = CostGroup(member_id, client_id, sop_id, month, kind, rate, line_cur, *diff)
            out[(member_id, cur)].append(_line(member_id, source, g))
    return out


def generate_period(
    actor: Actor, period: Period, *, membership_ids: Iterable[int] | None = None
) -> list[PayoutStatement]:
    """Make or refresh the statements of `period` (drafts only; reviewed and paid ones are
    left as they are). Returns the statements made or refreshed."""
    agency = actor.agency
    _lock_agency(agency.id)
    only = set(membership_ids) if membership_ids is not None else None
    groups = cost_groups(period.start, period.end, agency.time_zone, membership_ids=only)
    existing = {
        (s.membership_id, s.currency): s
        for s in db.session.scalars(
            sa.select(PayoutStatement)
            .where(PayoutStatement.period_start == period.start)
            .with_for_update()
        )
        if only is None or s.membership_id in only
    }
    members = _members({g.membership_id for g in groups} | {m for m, _c in existing})
    regenerating = {s.id for s in existing.values() if s.state == "draft"}
    carries = _carries(agency, period, members, regenerating)
    if only is not None:
        carries = {k: v for k, v in carries.items() if k[0] in only}
    # A period is closed once a later one is generated or one of its statements is paid:
    # no new statement is made in it (its new costs are carried), its drafts are refreshed.
    later_run = sa.select(PayoutRun.id).where(PayoutRun.period_start >= period.end).limit(1)
    paid_here = (
        sa.select(PayoutStatement.id)
        .where(PayoutStatement.period_start == period.start, PayoutStatement.state == "paid")
        .limit(1)
    )
    closed_here = any(s.state == "paid" for s in existing.values()) or any(
        db.session.scalar(q) is not None for q in (later_run, paid_here)
    )
    _record_run(period)

    current: dict[tuple[int, str], list[PayoutLine]] = defaultdict(list)
    for g in groups:
        cur = _statement_currency(g, _primary_currency(members[g.membership_id], agency))
        current[(g.membership_id, cur)].append(_line(g.membership_id, period, g))

    touched: list[PayoutStatement] = []
    for key in sorted(set(current) | set(carries) | set(existing)):
        member_id, currency = key
        statement = existing.get(key)
        if statement is not None and statement.state != "draft":
            continue  # reviewed keeps what was reviewed; paid is locked
        if statement is None and closed_here:
            continue  # the period is closed: new cost is carried to the next one
        lines = current.get(key, []) + carries.get(key, [])
        if statement is None:
            if not lines:
                continue
            statement = PayoutStatement(
                membership_id=member_id,
                period_start=period.start,
                period_end=period.end,
                currency=currency,
                state="draft",
                unpriced_seconds=0,
                lines_minor=0,
                adjustments_minor=0,
                total_minor=0,
            )
            try:
                with db.session.begin_nested():
                    db.session.add(statement)
                    db.session.flush()
            except IntegrityError:
                continue  # made by a run that did not hold the lock (not PostgreSQL)
            created = True
        else:
            created = False
            statement.lines.clear()
            db.session.flush()
        statement.lines.extend(lines)
        statement.generated_at = utcnow()
        refresh_totals(statement)
        db.session.flush()
        record(
            actor,
            "payout.generated" if created else "payout.regenerated",
            statement,
            summary=_summary(statement, f"{len(lines)} lines, total {statement.total_minor}"),
        )
        touched.append(statement)
    return touched


def _record_run(period: Period) -> None:
    if db.session.scalar(sa.select(PayoutRun.id).where(PayoutRun.period_start == period.start)):
        return
    try:
        with db.session.begin_nested():
            db.session.add(PayoutRun(period_start=period.start, period_end=period.end))
            db.session.flush()
    except IntegrityError:
        pass  # recorded by a run that did not hold the lock (not PostgreSQL)


def generate_due(agency_id: int) -> int:
    """The periodic job's work for one agency (tenant set by the caller): statements of
    the period that ended last, made once (a period with statements is left to the
    owner's button)."""
    agency = db.session.get(Agency, agency_id)
    settings = payout_settings()
    period = previous_period(period_of(today_in(agency.time_zone), settings), settings)
    done = db.session.scalar(sa.select(PayoutRun.id).where(PayoutRun.period_start == period.start))
    if done is not None:
        return 0
    actor = Actor(user=None, agency=agency, via="job")
    return len(generate_period(actor, period))


def sweep_payouts(now: dt.datetime | None = None) -> dict:
    """The periodic job: every agency's statements of its last ended period (idempotent:
    one statement per person, period and currency)."""
    from app.core.tenancy import all_tenants, tenant

    with all_tenants():
        agency_ids = list(
            db.session.scalars(
                sa.select(Membership.agency_id).where(Membership.status == "active").distinct()
            )
        )
    db.session.commit()
    made = 0
    for agency_id in sorted(agency_ids):
        with tenant(agency_id):
            made += generate_due(agency_id)
            db.session.commit()
    return {"statements": made}
