"""Schemas of the margin report: its query (month, grouping, losing money only) and the
JSON it answers."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema
from app.core.translation import lazy_gettext
from app.invoices.fields import DecimalString
from app.margin.services import BY

MONTH_RE = r"^20\d{2}-(0[1-9]|1[0-2])$"


class MarginArgs(BaseSchema):
    month = fields.String(
        load_default=None,
        validate=validate.Regexp(
            MONTH_RE, error=lazy_gettext("A month from 2000-01 to 2099-12: YYYY-MM.")
        ),
        metadata={
            "description": "YYYY-MM (2000-01 to 2099-12); this month (the agency's) by default."
        },
    )
    by = fields.String(
        load_default="client",
        validate=validate.OneOf(BY),
        metadata={"description": "Group by client, va (person) or sop."},
    )
    losing = fields.Boolean(
        load_default=False, metadata={"description": "Only the groups that lose money."}
    )


class MarginAmountsOut(BaseSchema):
    currency = fields.String(dump_only=True)
    billed_minor = fields.Integer(dump_only=True)
    cost_minor = fields.Integer(dump_only=True)
    margin_minor = fields.Integer(dump_only=True)


class NotAttributedOut(BaseSchema):
    currency = fields.String(dump_only=True)
    billed_minor = fields.Integer(dump_only=True)


class MarginRowOut(BaseSchema):
    key = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The client, membership or SOP id; null: not attributed."},
    )
    name = fields.String(dump_only=True)
    currencies = fields.List(fields.Nested(MarginAmountsOut), dump_only=True)
    not_attributed = fields.List(
        fields.Nested(NotAttributedOut),
        dump_only=True,
        metadata={"description": "Billed money not attributed to a person or SOP."},
    )
    billed_base_minor = fields.Integer(dump_only=True, allow_none=True)
    cost_base_minor = fields.Integer(dump_only=True, allow_none=True)
    margin_base_minor = fields.Integer(dump_only=True, allow_none=True)
    margin_percent = DecimalString(dump_only=True, allow_none=True)
    losing = fields.Boolean(dump_only=True)
    unpriced_seconds = fields.Integer(dump_only=True)


class MonthPointOut(BaseSchema):
    month = fields.String(dump_only=True)
    billed_base_minor = fields.Integer(dump_only=True, allow_none=True)
    cost_base_minor = fields.Integer(dump_only=True, allow_none=True)
    margin_base_minor = fields.Integer(dump_only=True, allow_none=True)


class MissingRateOut(BaseSchema):
    currency = fields.String(dump_only=True)
    day = fields.Date(dump_only=True)


class MarginOut(BaseSchema):
    month = fields.String(dump_only=True)
    by = fields.String(dump_only=True)
    base_currency = fields.String(dump_only=True)
    rows = fields.List(fields.Nested(MarginRowOut), dump_only=True)
    total = fields.Nested(MarginRowOut, dump_only=True)
    losing_count = fields.Integer(dump_only=True)
    months = fields.List(fields.Nested(MonthPointOut), dump_only=True)
    missing_rates = fields.List(fields.Nested(MissingRateOut), dump_only=True)
