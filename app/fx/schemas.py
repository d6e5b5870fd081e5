"""Schemas of exchange rates (the settings form and the JSON API)."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields

from app.core.schemas import BaseSchema, CurrencyField
from app.invoices.fields import BoundedDecimal, DecimalString


class FxRateField(BoundedDecimal):
    """1 unit of the currency in the base currency: more than zero, up to 10 decimals."""

    low, high, max_places, nonzero = Decimal("0.0000000001"), Decimal(1_000_000), 10, True


class ExchangeRateIn(BaseSchema):
    currency = CurrencyField(
        required=True, metadata={"description": "The currency converted (not the base one)."}
    )
    rate = FxRateField(
        required=True,
        metadata={"description": "1 unit of `currency` in the base currency, e.g. 1.0842."},
    )
    effective_from = fields.Date(
        required=True, metadata={"description": "The first day (the agency's) it applies."}
    )


class ExchangeRateFilterArgs(BaseSchema):
    currency = CurrencyField(load_default=None, allow_none=True)


class ExchangeRateOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    currency = fields.String(dump_only=True)
    rate = DecimalString(dump_only=True)
    effective_from = fields.Date(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
