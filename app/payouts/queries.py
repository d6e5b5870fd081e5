"""Read side of payouts: the agency's period setting and period boundaries, the statements
an actor may see, a period's list with totals, and the dashboard's payouts due.

Every `get_<noun>_or_404` loads through `visible_statements`; the tenant filter is added by
the data layer on top.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.permissions import Actor
from app.extensions import db
from app.payouts.models import (
    WEEK_STARTS,
    PayoutLine,
    PayoutSettings,
    PayoutStatement,
)
from app.payouts.policy import VISIBLE_TO_PAYEE
from app.sops.models import Sop
from app.users.models import Membership, User

SETTINGS_DEFAULTS = {"period": "monthly", "week_start": "monday", "fortnight_anchor": None}
# Fortnights run from this Monday every 14 days until an owner picks another anchor.
DEFAULT_ANCHOR = dt.date(2024, 1, 1)


def payout_settings() -> PayoutSettings:
    """The agency's settings row, or an unsaved one with the defaults."""
    row = db.session.scalar(sa.select(PayoutSettings))
    return row if row is not None else PayoutSettings(**SETTINGS_DEFAULTS)


@dataclass(frozen=True)
class Period:
    """Days [start, end) of one payout period."""

    start: dt.date
    end: dt.date

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def period_of(day: dt.date, settings: PayoutSettings | None = None) -> Period:
    """The payout period `day` falls in, by the agency's setting."""
    settings = settings or payout_settings()
    kind = settings.period or "monthly"
    if kind == "weekly":
        first = WEEK_STARTS.get(settings.week_start or "monday", 0)
        start = day - dt.timedelta(days=(day.weekday() - first) % 7)
        return Period(start, start + dt.timedelta(days=7))
    if kind == "fortnightly":
        anchor = settings.fortnight_anchor or DEFAULT_ANCHOR
        start = anchor + dt.timedelta(days=14 * ((day - anchor).days // 14))
        return Period(start, start + dt.timedelta(days=14))
    start = day.replace(day=1)
    return Period(start, _next_month(start))


def previous_period(period: Period, settings: PayoutSettings | None = None) -> Period:
    return period_of(period.start - dt.timedelta(days=1), settings)


def visible_statements(actor: Actor) -> sa.Select:
    """Everyone's statements for who sees costs; otherwise one's own, reviewed or paid."""
    stmt = sa.select(PayoutStatement)
    if actor.sees_costs:
        return stmt
    if actor.membership is None:
        return stmt.where(sa.false())
    return stmt.where(
        PayoutStatement.membership_id == actor.membership.id,
        PayoutStatement.state.in_(VISIBLE_TO_PAYEE),
    )


def get_statement_or_404(actor: Actor, statement_id: int) -> PayoutStatement:
    statement = db.session.scalar(
        visible_statements(actor).where(PayoutStatement.id == statement_id)
    )
    if statement is None:
        raise NotFound()
    return statement


def filtered_statements(actor: Actor, args: dict) -> sa.Select:
    """The statements of the filters (period: any day of it; member; state), by person."""
    stmt = visible_statements(actor)
    if args.get("period"):
        period = period_of(args["period"])
        stmt = stmt.where(PayoutStatement.period_start == period.start)
    if args.get("member_id"):
        stmt = stmt.where(PayoutStatement.membership_id == args["member_id"])
    if args.get("state") and args["state"] != "all":
        stmt = stmt.where(PayoutStatement.state == args["state"])
    return stmt


def period_statements(actor: Actor, period: Period) -> list[PayoutStatement]:
    """A period's statements with their people (one statement), by name and currency."""
    stmt = (
        visible_statements(actor)
        .join(Membership, Membership.id == PayoutStatement.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(PayoutStatement.period_start == period.start)
        .order_by(User.name, PayoutStatement.currency, PayoutStatement.id)
    )
    return list(db.session.scalars(stmt))


def own_statements(actor: Actor) -> list[PayoutStatement]:
    """The actor's own statements that they may see, newest first."""
    if actor.membership is None:
        return []
    stmt = (
        sa.select(PayoutStatement)
        .where(
            PayoutStatement.membership_id == actor.membership.id,
            PayoutStatement.state.in_(VISIBLE_TO_PAYEE),
        )
        .order_by(PayoutStatement.period_start.desc(), PayoutStatement.currency)
    )
    return list(db.session.scalars(stmt))


def totals_by_state(statements: list[PayoutStatement]) -> dict[str, dict[str, int]]:
    """{state: {currency: total}} of the statements shown."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in statements:
        out[s.state][s.currency] += s.total_minor
    return {state: dict(v) for state, v in out.items()}


def statement_with_details(statement_id: int) -> PayoutStatement:
    """A statement with its lines and adjustments loaded (two statements more)."""
    return db.session.scalar(
        sa.select(PayoutStatement)
        .where(PayoutStatement.id == statement_id)
        .options(selectinload(PayoutStatement.lines), selectinload(PayoutStatement.adjustments))
        .execution_options(populate_existing=True)
    )


def line_names(lines: list[PayoutLine]) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the lines' clients and SOPs (two statements at most)."""
    client_ids = {ln.client_id for ln in lines if ln.client_id}
    sop_ids = {ln.sop_id for ln in lines if ln.sop_id}
    clients = (
        dict(
            db.session.execute(
                sa.select(Client.id, Client.name).where(Client.id.in_(client_ids))
            ).all()
        )
        if client_ids
        else {}
    )
    sops = (
        dict(db.session.execute(sa.select(Sop.id, Sop.title).where(Sop.id.in_(sop_ids))).all())
        if sop_ids
        else {}
    )
    return clients, sops


def payees() -> list[Membership]:
    """People who may have statements (for the list's filter)."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.role.in_(("owner", "manager", "va")))
            .order_by(User.name)
        )
    )


def payouts_due(agency: object | None = None) -> tuple[int, dict[str, int]]:
    """Statements not yet paid in the current agency: (how many, total per currency). For
    the cockpit's tile (`agency` is the tenant the caller runs in)."""
    rows = db.session.execute(
        sa.select(
            PayoutStatement.currency,
            sa.func.count(PayoutStatement.id),
            sa.func.sum(PayoutStatement.total_minor),
        )
        .where(PayoutStatement.state != "paid")
        .group_by(PayoutStatement.currency)
    ).all()
    count = sum(int(n) for _c, n, _t in rows)
    return count, {cur: int(total or 0) for cur, _n, total in rows if total}
