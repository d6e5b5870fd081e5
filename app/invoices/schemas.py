"""Schemas of invoices, lines, tax rates and settings (forms and API); payments and retainers
have theirs in their own packages, built from the same fields (app.invoices.fields).

Amounts come in two ways, the same in forms and JSON: `<name>_minor`, an integer in the
currency's minor units (what the API returns), or `<name>`, a decimal in major units (what
people type: "1234.50"). The services convert and check them against the invoice's
currency (1.234 EUR is refused, naming the field). Amounts go out as integer minor units
plus the currency, with a `formatted` string in the invoice's locale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import fields, post_dump, validate

from app.core.money import format_money
from app.core.schemas import BaseSchema, CurrencyField, Id, LocaleField, Name, PageArgs
from app.invoices.fields import (
    DecimalString,
    PercentField,
    QuantityField,
    RateField,
    amount_field,
    id_field,
    minor_field,
    text_field,
    viewer,
)
from app.invoices.line_sources import SourceNames
from app.invoices.models import INVOICE_KINDS, ROUNDING_MODES
from app.invoices.queries import LIST_STATUSES, display_status, is_overdue

# --- invoices ------------------------------------------------------------------------------


class EmptyIn(BaseSchema):
    """A form with nothing but its button (and the CSRF token): unknown fields refused."""


class InvoiceIn(BaseSchema):
    """A new draft. Currency, locale and net days default to the client's."""

    client_id = Id(required=True)
    currency = CurrencyField(load_default=None, allow_none=True)
    locale = LocaleField(load_default=None, allow_none=True)
    net_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=365)
    )
    period_label = text_field(80, metadata={"description": "e.g. 'November 2026'"})
    notes = text_field(5000, metadata={"description": "Printed on the invoice."})


class InvoicePatchIn(BaseSchema):
    """A draft's editable header (load with partial=True in the API)."""

    net_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365))
    locale = LocaleField(load_default=None, allow_none=True)
    period_label = text_field(80)
    notes = text_field(5000)


class LineIn(BaseSchema):
    description = Name(required=True, max=500)
    quantity = QuantityField(load_default=Decimal(1))
    unit_price = amount_field("Unit price in major units, e.g. 49.99.")
    unit_price_minor = minor_field(metadata={"description": "Unit price in minor units."})
    discount_percent = PercentField(load_default=Decimal(0))
    tax_rate_id = id_field(
        metadata={"description": "One of the agency's tax rates; none: untaxed."}
    )


class LinePatchIn(LineIn):
    """PATCH body of a line: any subset of LineIn's fields (load with partial=True)."""


class SourceLinesIn(BaseSchema):
    """Lines from a line source: service packages, delivered work items, approved time."""

    source = fields.String(required=True, validate=validate.OneOf(SourceNames()))
    ids = fields.List(
        Id(),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "Ids of the things to bill (at least one)."},
    )
    unit_price = amount_field("Fee per item (work items), overriding the package price.")
    unit_price_minor = minor_field()
    tax_rate_id = id_field()
    group_by = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("work_item", "activity", "person")),
        metadata={
            "description": "Source `time`: one line per work item (the default), activity or "
            "person, and per bill rate."
        },
    )


class IssueIn(BaseSchema):
    rate_to_base = RateField(
        load_default=None,
        allow_none=True,
        metadata={"description": "Optional: 1 unit of the invoice currency in base currency."},
    )


class VoidIn(BaseSchema):
    reason = text_field(200)


class CreditNoteIn(BaseSchema):
    mode = fields.String(load_default="full", validate=validate.OneOf(("full", "partial")))
    reason = text_field(200)
    amount = amount_field("Partial credit: the amount credited (before the tax rate, if any).")
    amount_minor = minor_field()
    tax_rate_id = id_field()


class InvoiceFilterArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(LIST_STATUSES))
    kind = fields.String(validate=validate.OneOf(INVOICE_KINDS))
    client_id = Id()
    currency = CurrencyField()
    q = fields.String(validate=validate.Length(max=60), metadata={"description": "Number."})


class InvoicesPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class InvoiceClientOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


def _formatted(obj: Any, currency: str, locale: str, names: dict[str, int]) -> dict:
    return {key: format_money(value, currency, locale) for key, value in names.items()}


class LineOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    quantity = DecimalString(dump_only=True)
    unit_price_minor = fields.Integer(dump_only=True)
    discount_percent = DecimalString(dump_only=True)
    tax_rate_id = fields.Integer(dump_only=True, allow_none=True)
    tax_name = fields.String(dump_only=True, allow_none=True)
    tax_rate = DecimalString(dump_only=True, metadata={"description": "A fraction: 0.15."})
    tax_inclusive = fields.Boolean(dump_only=True)
    net_minor = fields.Integer(dump_only=True)
    tax_minor = fields.Integer(dump_only=True)
    gross_minor = fields.Integer(dump_only=True)
    source_type = fields.String(dump_only=True, allow_none=True)
    source_id = fields.Integer(dump_only=True, allow_none=True)
    formatted = fields.Method("_formatted", dump_only=True)

    def _formatted(self, line: Any) -> dict:
        inv = line.invoice
        return _formatted(
            line,
            inv.currency,
            inv.locale,
            {
                "unit_price": line.unit_price_minor,
                "net": line.net_minor,
                "tax": line.tax_minor,
                "gross": line.gross_minor,
            },
        )


class InvoiceSummaryOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True)
    display_status = fields.Function(lambda inv: display_status(inv), dump_only=True)
    overdue = fields.Function(lambda inv: is_overdue(inv), dump_only=True)
    client = fields.Nested(InvoiceClientOut, dump_only=True)
    currency = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    client_time_zone = fields.String(dump_only=True)
    rounding = fields.String(dump_only=True)
    period_label = fields.String(dump_only=True, allow_none=True)
    issue_date = fields.Date(dump_only=True, allow_none=True)
    due_date = fields.Date(dump_only=True, allow_none=True)
    net_days = fields.Integer(dump_only=True)
    is_deposit = fields.Boolean(dump_only=True)
    deposit_invoice_id = fields.Integer(dump_only=True, allow_none=True)
    credited_invoice_id = fields.Integer(dump_only=True, allow_none=True)
    subtotal_minor = fields.Integer(dump_only=True)
    tax_minor = fields.Integer(dump_only=True)
    total_minor = fields.Integer(dump_only=True)
    paid_minor = fields.Integer(dump_only=True)
    credited_minor = fields.Integer(dump_only=True)
    balance_minor = fields.Integer(dump_only=True)
    rate_to_base = DecimalString(dump_only=True, allow_none=True)
    disputed = fields.Boolean(dump_only=True)
    reminders_paused = fields.Boolean(dump_only=True)
    issued_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    sent_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    paid_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    voided_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    formatted = fields.Method("_formatted", dump_only=True)

    def _formatted(self, inv: Any) -> dict:
        return _formatted(
            inv,
            inv.currency,
            inv.locale,
            {
                "subtotal": inv.subtotal_minor,
                "tax": inv.tax_minor,
                "total": inv.total_minor,
                "paid": inv.paid_minor,
                "credited": inv.credited_minor,
                "balance": inv.balance_minor,
            },
        )

    @post_dump
    def _hide_internal(self, data: dict, **kwargs: Any) -> dict:
        actor = viewer()
        if actor is None or actor.role == "client":
            for key in ("rate_to_base", "reminders_paused", "rounding"):
                data.pop(key, None)
        return data


class TaxGroupOut(BaseSchema):
    rate = DecimalString(dump_only=True)
    inclusive = fields.Boolean(dump_only=True)
    net_minor = fields.Integer(dump_only=True, attribute="net")
    tax_minor = fields.Integer(dump_only=True, attribute="tax")
    gross_minor = fields.Integer(dump_only=True, attribute="gross")


class InvoiceOut(InvoiceSummaryOut):
    notes = fields.String(dump_only=True, allow_none=True)
    lines = fields.List(fields.Nested(LineOut), dump_only=True)


class InvoicePageOut(BaseSchema):
    items = fields.List(fields.Nested(InvoiceSummaryOut), dump_only=True)
    meta = fields.Nested(InvoicesPageMetaOut, dump_only=True)


# --- settings and tax rates ----------------------------------------------------------------


class SettingsIn(BaseSchema):
    invoice_number_format = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Literal text with {year} and {seq} / {seq:05}."},
    )
    credit_note_number_format = fields.String(
        required=True, validate=validate.Length(min=1, max=40)
    )
    restart_yearly = fields.Boolean(load_default=False)
    rounding = fields.String(load_default="per_line", validate=validate.OneOf(ROUNDING_MODES))
    recurring_day = fields.Integer(load_default=1, validate=validate.Range(min=1, max=28))
    reminders_enabled = fields.Boolean(load_default=False)
    portal_hour_bank = fields.Boolean(
        load_default=False,
        metadata={"description": "Client contacts see their retainer's hour bank burn-down."},
    )


class SettingsOut(BaseSchema):
    invoice_number_format = fields.String(dump_only=True)
    credit_note_number_format = fields.String(dump_only=True)
    restart_yearly = fields.Boolean(dump_only=True)
    rounding = fields.String(dump_only=True)
    recurring_day = fields.Integer(dump_only=True)
    reminders_enabled = fields.Boolean(dump_only=True)
    portal_hour_bank = fields.Boolean(dump_only=True)


class TaxRateIn(BaseSchema):
    name = Name(required=True, max=80)
    rate_percent = PercentField(required=True, metadata={"description": "15 for 15 %."})
    inclusive = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)


class TaxRatePatchIn(TaxRateIn):
    """PATCH body of a tax rate: any subset of TaxRateIn's fields (partial=True)."""


class TaxRateOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    rate = DecimalString(dump_only=True, metadata={"description": "A fraction: 0.15."})
    rate_percent = fields.Function(
        lambda r: format((Decimal(r.rate) * 100).normalize(), "f"), dump_only=True
    )
    inclusive = fields.Boolean(dump_only=True)
    active = fields.Boolean(dump_only=True)


class TaxRatePageOut(BaseSchema):
    items = fields.List(fields.Nested(TaxRateOut), dump_only=True)
    meta = fields.Nested(InvoicesPageMetaOut, dump_only=True)
