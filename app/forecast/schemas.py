"""The forecast's JSON (no query: always the next twelve months and the last twelve)."""

from __future__ import annotations

from marshmallow import fields

from app.core.schemas import BaseSchema


class CurrencyAmountOut(BaseSchema):
    currency = fields.String(dump_only=True)
    amount_minor = fields.Integer(dump_only=True)


class ForecastMonthOut(BaseSchema):
    month = fields.String(dump_only=True)
    retainers = fields.List(fields.Nested(CurrencyAmountOut), dump_only=True)
    drafts = fields.List(fields.Nested(CurrencyAmountOut), dump_only=True)
    series = fields.List(
        fields.Nested(CurrencyAmountOut),
        dump_only=True,
        metadata={"description": "Fees of the items recurring series will make."},
    )
    cash = fields.List(fields.Nested(CurrencyAmountOut), dump_only=True)
    revenue_base_minor = fields.Integer(dump_only=True, allow_none=True)
    cash_base_minor = fields.Integer(dump_only=True, allow_none=True)


class ActualMonthOut(BaseSchema):
    month = fields.String(dump_only=True)
    received = fields.List(fields.Nested(CurrencyAmountOut), dump_only=True)
    received_base_minor = fields.Integer(dump_only=True, allow_none=True)


class HorizonOut(BaseSchema):
    months = fields.Integer(dump_only=True)
    revenue = fields.List(fields.Nested(CurrencyAmountOut), dump_only=True)
    cash = fields.List(fields.Nested(CurrencyAmountOut), dump_only=True)
    revenue_base_minor = fields.Integer(dump_only=True, allow_none=True)
    cash_base_minor = fields.Integer(dump_only=True, allow_none=True)


class ForecastMissingRateOut(BaseSchema):
    currency = fields.String(dump_only=True)
    day = fields.Date(dump_only=True)


class ForecastOut(BaseSchema):
    today = fields.Date(dump_only=True)
    base_currency = fields.String(dump_only=True)
    horizons = fields.List(fields.Nested(HorizonOut), dump_only=True)
    months = fields.List(fields.Nested(ForecastMonthOut), dump_only=True)
    actuals = fields.List(fields.Nested(ActualMonthOut), dump_only=True)
    missing_rates = fields.List(fields.Nested(ForecastMissingRateOut), dump_only=True)
    recurring_work = fields.Boolean(
        dump_only=True,
        metadata={"description": "True once any recurring series exists; its items "
                  "ahead are counted in `series` at the client's fixed package fee."},
    )  # fmt: skip
    unpriced_series = fields.Integer(
        dump_only=True,
        metadata={"description": "Active series whose client has no fixed fee (not counted)."},
    )
