"""The demo agency's exchange rates: each of its clients' currencies to the base currency,
from a year ago, and EUR changed a month ago (so the history shows a change)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.agencies.models import Agency
from app.core.clock import today_in
from app.extensions import db
from app.fx.models import ExchangeRate

# 1 unit of each currency in USD (rough, for the demo only).
DEMO_TO_USD = {
    "AUD": "0.66",
    "EUR": "1.0842",
    "EGP": "0.0204",
    "JPY": "0.0067",
    "BRL": "0.19",
}


def seed_demo_exchange_rates(agency: Agency) -> None:
    if agency.base_currency != "USD":
        return
    today = today_in(agency.time_zone)
    year_ago, month_ago = today - dt.timedelta(days=365), today - dt.timedelta(days=30)
    for currency, rate in DEMO_TO_USD.items():
        db.session.add(ExchangeRate(currency=currency, rate=Decimal(rate), effective_from=year_ago))
    db.session.add(ExchangeRate(currency="EUR", rate=Decimal("1.0915"), effective_from=month_ago))
    db.session.flush()
