"""Schemas of retainer plans (forms and API)."""

from __future__ import annotations

from marshmallow import fields

from app.core.money import format_money
from app.core.schemas import BaseSchema, CurrencyField, Name
from app.invoices.fields import DecimalString, HoursField, amount_field, minor_field
from app.invoices.schemas import InvoicesPageMetaOut


class RetainerIn(BaseSchema):
    description = Name(required=True, max=200)
    monthly_amount = amount_field("Monthly fee in major units.")
    monthly_amount_minor = minor_field()
    currency = CurrencyField(load_default=None, allow_none=True)
    included_hours = HoursField(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)


class RetainerPatchIn(RetainerIn):
    """PATCH body of a retainer: any subset of RetainerIn's fields (partial=True)."""


class RetainerOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    description = fields.String(dump_only=True)
    monthly_amount_minor = fields.Integer(dump_only=True)
    currency = fields.String(dump_only=True)
    formatted = fields.Function(
        lambda p: format_money(p.monthly_amount_minor, p.currency), dump_only=True
    )
    included_hours = DecimalString(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    last_generated_month = fields.String(dump_only=True, allow_none=True)


class RetainerPageOut(BaseSchema):
    items = fields.List(fields.Nested(RetainerOut), dump_only=True)
    meta = fields.Nested(InvoicesPageMetaOut, dump_only=True)
