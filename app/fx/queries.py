"""Read side of exchange rates (the tenant scope keeps them to the agency)."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.core.permissions import Actor
from app.extensions import db
from app.fx.models import ExchangeRate

LIMIT = 500


def exchange_rates(currency: str | None = None) -> list[ExchangeRate]:
    """The agency's rates, by currency then newest day first (at most LIMIT)."""
    stmt = sa.select(ExchangeRate)
    if currency:
        stmt = stmt.where(ExchangeRate.currency == currency)
    stmt = stmt.order_by(
        ExchangeRate.currency, ExchangeRate.effective_from.desc(), ExchangeRate.id.desc()
    ).limit(LIMIT)
    return list(db.session.scalars(stmt))


def get_exchange_rate_or_404(actor: Actor, fx_rate_id: int) -> ExchangeRate:
    row = db.session.scalar(sa.select(ExchangeRate).where(ExchangeRate.id == fx_rate_id))
    if row is None:
        raise NotFound()
    return row
