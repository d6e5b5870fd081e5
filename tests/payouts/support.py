"""Helpers of the payout tests: periods around the frozen clock (monthly by default:
February is the closed period, March the current one), and the statement services run as
the team's owner."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.payouts.models import PayoutStatement
from app.payouts.queries import Period
from app.payouts.services import generate_period, mark_paid, review_statement
from tests.rates.support import actor_of, cost_rate, entry  # noqa: F401 - re-exported

FEB = Period(dt.date(2026, 2, 1), dt.date(2026, 3, 1))
MAR = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))


def statements(member_id: int | None = None) -> list[PayoutStatement]:
    with all_tenants():
        stmt = sa.select(PayoutStatement).order_by(
            PayoutStatement.period_start, PayoutStatement.currency, PayoutStatement.id
        )
        if member_id is not None:
            stmt = stmt.where(PayoutStatement.membership_id == member_id)
        return list(db.session.scalars(stmt.execution_options(populate_existing=True)))


def generate(tt, period: Period) -> list[PayoutStatement]:
    return generate_period(actor_of(tt.owner), period)


def pay(tt, statement: PayoutStatement, day: dt.date = dt.date(2026, 3, 10)) -> None:
    """Review and mark paid with the statement's total."""
    from app.core.money import input_value

    actor = actor_of(tt.owner)
    if statement.state == "draft":
        review_statement(actor, statement)
    mark_paid(
        actor,
        statement,
        {
            "amount": input_value(statement.total_minor, statement.currency),
            "paid_on": day,
            "method": "wise",
            "reference": "T-1",
        },
    )
    db.session.flush()
