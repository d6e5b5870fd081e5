"""The money figures of the agency dashboard (owners and managers): what clients owe, per
currency, and how much of it is overdue. Two statements whatever the number of invoices
(the zones of open invoices for "overdue", then one grouped sum)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context

from app.core.permissions import Actor
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.policy import can_manage_billing
from app.invoices.queries import open_with_balance, overdue_clause, visible_invoices


@dataclass
class Owed:
    currency: str
    outstanding_minor: int
    overdue_minor: int
    invoices: int
    overdue_invoices: int


def money_overview(actor: Actor, now: dt.datetime | None = None) -> list[Owed] | None:
    """Outstanding and overdue per currency (None for people who don't see money). Worked
    out once per request: the dashboard's money card and the cockpit's tile both show it."""
    if not can_manage_billing(actor, None):
        return None
    if now is not None or not has_request_context():
        return owed_per_currency(actor, now)
    if "_money_overview" not in g:
        g._money_overview = owed_per_currency(actor)
    return g._money_overview


def owed_per_currency(actor: Actor, now: dt.datetime | None = None) -> list[Owed]:
    """Outstanding and overdue per currency of the invoices the actor may see (a client
    contact: their own client's)."""
    balance = Invoice.total_minor - Invoice.paid_minor - Invoice.credited_minor
    late = overdue_clause(now)
    rows = db.session.execute(
        visible_invoices(actor)
        .with_only_columns(
            Invoice.currency,
            sa.func.sum(balance),
            sa.func.sum(sa.case((late, balance), else_=0)),
            sa.func.count(Invoice.id),
            sa.func.sum(sa.case((late, 1), else_=0)),
        )
        .where(open_with_balance())
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    ).all()
    return [Owed(c, int(o or 0), int(d or 0), int(n or 0), int(k or 0)) for c, o, d, n, k in rows]
