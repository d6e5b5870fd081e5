"""Schemas of retainer plans (forms and API)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.money import format_money
from app.core.schemas import BaseSchema, CurrencyField, Name
from app.core.translation import lazy_gettext
from app.invoices.fields import DecimalString, HoursField, amount_field, minor_field
from app.invoices.schemas import InvoicesPageMetaOut
from app.retainers.models import OVERAGE_MODES, ROLLOVER_POLICIES


class RetainerIn(BaseSchema):
    description = Name(required=True, max=200)
    monthly_amount = amount_field("Monthly fee in major units.")
    monthly_amount_minor = minor_field()
    currency = CurrencyField(load_default=None, allow_none=True)
    included_hours = HoursField(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)
    rollover_policy = fields.String(
        load_default="none",
        validate=validate.OneOf(ROLLOVER_POLICIES),
        metadata={"description": "none, up_to_hours (rollover_hours) or expire_after_months."},
    )
    rollover_hours = HoursField(
        load_default=None, allow_none=True, metadata={"description": "up_to_hours: N."}
    )
    rollover_months = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=36),
        metadata={"description": "expire_after_months: M."},
    )
    overage_rate = amount_field("Overage rate an hour, in major units.")
    overage_rate_minor = minor_field()
    overage_mode = fields.String(
        load_default="next_invoice",
        validate=validate.OneOf(OVERAGE_MODES),
        metadata={"description": "next_invoice (lines on the next draft) or top_up."},
    )
    alert_client_contact = fields.Boolean(load_default=False)


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
    rollover_policy = fields.String(dump_only=True)
    rollover_hours = DecimalString(dump_only=True, allow_none=True)
    rollover_months = fields.Integer(dump_only=True, allow_none=True)
    overage_rate_minor = fields.Integer(dump_only=True, allow_none=True)
    overage_mode = fields.String(dump_only=True)
    alert_client_contact = fields.Boolean(dump_only=True)
    bank_from = fields.String(dump_only=True, allow_none=True)
    overage_billed_through = fields.String(dump_only=True, allow_none=True)


class BankArgs(BaseSchema):
    month = fields.String(
        load_default=None,
        # A bank is counted month by month from its first one: years 2000-2099 only.
        validate=validate.Regexp(
            r"^20\d{2}-(0[1-9]|1[0-2])$",
            error=lazy_gettext("A month from 2000-01 to 2099-12: YYYY-MM."),
        ),
        metadata={
            "description": "YYYY-MM (2000-01 to 2099-12); this month (the agency's) by default."
        },
    )


class BankDayOut(BaseSchema):
    day = fields.Date(dump_only=True)
    used_hours = DecimalString(dump_only=True)


class BankOut(BaseSchema):
    plan_id = fields.Integer(dump_only=True)
    month = fields.String(dump_only=True)
    included_hours = DecimalString(dump_only=True)
    rolled_over_hours = DecimalString(dump_only=True)
    available_hours = DecimalString(dump_only=True)
    used_hours = DecimalString(dump_only=True)
    remaining_hours = DecimalString(dump_only=True)
    overage_hours = DecimalString(dump_only=True)
    percent = fields.Integer(dump_only=True, allow_none=True)
    days = fields.List(fields.Nested(BankDayOut), dump_only=True)


class RetainerPageOut(BaseSchema):
    items = fields.List(fields.Nested(RetainerOut), dump_only=True)
    meta = fields.Nested(InvoicesPageMetaOut, dump_only=True)
