"""Schemas of payments, refunds, deposits and receivables (forms and API)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from app.core.money import format_money
from app.core.schemas import BaseSchema, CurrencyField, Id, Name
from app.invoices.fields import (
    DecimalString,
    RateField,
    amount_field,
    id_field,
    minor_field,
    text_field,
)
from app.invoices.schemas import InvoicesPageMetaOut
from app.payments.models import PAYMENT_METHODS


class DepositIn(BaseSchema):
    """A deposit invoice: the client's deposit % of `amount`."""

    description = Name(required=True, max=150)
    amount = amount_field("The whole amount the deposit is a share of.")
    amount_minor = minor_field()
    currency = CurrencyField(load_default=None, allow_none=True)
    tax_rate_id = id_field()


class DepositWaiverIn(BaseSchema):
    """An owner lets the client's work start before its deposit is paid, saying why."""

    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Why the work may start without the deposit (audited)."},
    )


class DepositGateOut(BaseSchema):
    """Whether a client's work waits for its deposit, and what lifts the hold."""

    client_id = fields.Integer()
    held = fields.Boolean()
    reason = fields.String(allow_none=True)
    deposit_percent = fields.Integer()
    invoice_id = fields.Integer(allow_none=True)
    invoice_number = fields.String(allow_none=True)
    balance_minor = fields.Integer(allow_none=True)
    currency = fields.String(allow_none=True)
    waived = fields.Boolean()
    waiver_reason = fields.String(allow_none=True)


class DeductDepositIn(BaseSchema):
    deposit_invoice_id = Id(required=True)


class PaymentIn(BaseSchema):
    amount = amount_field("In major units of the invoice's currency, e.g. 250.00.")
    amount_minor = minor_field(
        metadata={"description": "In minor units of the invoice's currency."}
    )
    paid_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Today."})
    method = fields.String(load_default="bank_transfer", validate=validate.OneOf(PAYMENT_METHODS))
    reference = text_field(120)
    rate_to_base = RateField(
        load_default=None,
        allow_none=True,
        metadata={"description": "1 unit of the invoice's currency in the base currency."},
    )


class PaymentOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    invoice_id = fields.Integer(dump_only=True)
    kind = fields.String(
        dump_only=True,
        metadata={"enum": ["payment", "refund"], "description": "refund: money returned"},
    )
    paid_on = fields.Date(dump_only=True)
    method = fields.String(dump_only=True)
    reference = fields.String(dump_only=True, allow_none=True)
    amount_minor = fields.Integer(dump_only=True)
    currency = fields.Method("_currency", dump_only=True)
    formatted = fields.Method("_formatted", dump_only=True)
    rate_to_base = DecimalString(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)

    def _invoice(self, payment: Any) -> Any:
        from app.extensions import db
        from app.invoices.models import Invoice

        return db.session.get(Invoice, payment.invoice_id)

    def _currency(self, payment: Any) -> str:
        return self._invoice(payment).currency

    def _formatted(self, payment: Any) -> str:
        inv = self._invoice(payment)
        return format_money(payment.amount_minor, inv.currency, inv.locale)


class PaymentPageOut(BaseSchema):
    items = fields.List(fields.Nested(PaymentOut), dump_only=True)
    meta = fields.Nested(InvoicesPageMetaOut, dump_only=True)


class BucketsOut(BaseSchema):
    current = fields.Integer(dump_only=True)
    d1_30 = fields.Integer(dump_only=True, data_key="1-30", attribute="1-30")
    d31_60 = fields.Integer(dump_only=True, data_key="31-60", attribute="31-60")
    d61_90 = fields.Integer(dump_only=True, data_key="61-90", attribute="61-90")
    d90 = fields.Integer(dump_only=True, data_key="90+", attribute="90+")


class ReceivableRowOut(BaseSchema):
    client_id = fields.Integer(dump_only=True)
    client_name = fields.String(dump_only=True)
    currency = fields.String(dump_only=True)
    invoices = fields.Integer(dump_only=True)
    outstanding_minor = fields.Integer(dump_only=True, attribute="outstanding")
    overdue_minor = fields.Integer(dump_only=True, attribute="overdue")
    buckets = fields.Nested(BucketsOut, dump_only=True)
    base_outstanding_minor = fields.Integer(dump_only=True, attribute="base_outstanding")
    base_overdue_minor = fields.Integer(dump_only=True, attribute="base_overdue")
    unconverted = fields.Integer(dump_only=True, metadata={"description": "Invoices with no rate."})


class RateUsedOut(BaseSchema):
    number = fields.String(dump_only=True)
    currency = fields.String(dump_only=True)
    rate = DecimalString(dump_only=True)
    source = fields.String(dump_only=True)
    note = fields.String(dump_only=True)


class ReceivablesOut(BaseSchema):
    base_currency = fields.String(dump_only=True)
    rows = fields.List(fields.Nested(ReceivableRowOut), dump_only=True)
    by_currency = fields.List(fields.Nested(ReceivableRowOut), dump_only=True)
    base = fields.Nested(ReceivableRowOut, dump_only=True)
    rates = fields.List(fields.Nested(RateUsedOut), dump_only=True)
    unconverted = fields.List(fields.String(), dump_only=True)
