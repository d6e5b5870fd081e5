"""An exchange rate: 1 unit of `currency` = `rate` units of the agency's base currency, from
`effective_from` on (the agency's day) until a later row of the same currency replaces it.

Rates are exact decimals (NUMERIC with 10 places: 1 EUR = 1.0842 USD, 1 JPY = 0.0067 USD);
a row is never edited: a new rate is a new row from its day, a mistaken row is removed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

RATE_TYPE = sa.Numeric(20, 10)


class ExchangeRate(TenantScoped, db.Model):
    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint(
            "agency_id", "currency", "effective_from", name="uq_exchange_rates_currency_day"
        ),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    rate: Mapped[Decimal] = mapped_column(RATE_TYPE)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
