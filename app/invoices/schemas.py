"""Schemas of invoices, lines, payments, tax rates, retainers and settings (forms and API).

Amounts come in two ways, the same in forms and JSON: `<name>_minor`, an integer in the
currency's minor units (what the API returns), or `<name>`, a decimal in major units (what
people type: "1234.50"). The services convert and check them against the invoice's
currency (1.234 EUR is refused, naming the field). Amounts go out as integer minor units
plus the currency, with a `formatted` string in the invoice's locale.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, has_app_context
from marshmallow import fields, post_dump, validate

from app.core.money import format_money
from app.core.schemas import BaseSchema, CurrencyField, Id, LocaleField, Name, PageArgs
from app.invoices.line_sources import SourceNames
from app.invoices.models import INVOICE_KINDS, PAYMENT_METHODS, ROUNDING_MODES
from app.invoices.queries import LIST_STATUSES, display_status, is_overdue

MAX_MINOR = 10**13 - 1


class _Number(fields.Decimal):
    """A decimal from a JSON number or a string ("12.50"), checked against bounds that
    are not published as OpenAPI minimum/maximum (apispec would print them as strings)."""

    default_error_messages = {
        "invalid": "Not a valid number.",
        "special": "Not a valid number.",
        "range": "Must be between {low} and {high}.",
        "places": "Use at most {places} decimals.",
        "zero": "Must not be zero.",
    }
    low: Decimal = Decimal(-MAX_MINOR)
    high: Decimal = Decimal(MAX_MINOR)
    max_places = 6  # not `places`: marshmallow's Decimal uses that to quantize
    nonzero = False

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("allow_nan", False)
        default = kw.get("load_default")
        if isinstance(default, Decimal):
            # apispec would publish the default as the string "1": a number field's
            # default must be a number for the document to be valid OpenAPI.
            number = int(default) if default == default.to_integral_value() else float(default)
            kw["metadata"] = {"default": number, **(kw.get("metadata") or {})}
        super().__init__(**kw)

    def _validated(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        try:
            number = super()._validated(value)
        except (InvalidOperation, TypeError) as exc:
            raise self.make_error("invalid") from exc
        if number is None:
            return number
        if not number.is_finite():
            raise self.make_error("special")
        if not self.low <= number <= self.high:
            raise self.make_error("range", low=self.low, high=self.high)
        if -number.as_tuple().exponent > self.max_places and number != number.quantize(
            Decimal(1).scaleb(-self.max_places)
        ):
            raise self.make_error("places", places=self.max_places)
        if self.nonzero and number == 0:
            raise self.make_error("zero")
        return number


class AmountField(_Number):
    """An amount in major units (e.g. 1234.50); its currency's decimals are checked later."""

    max_places = 3


class QuantityField(_Number):
    low, high, max_places, nonzero = Decimal(-1_000_000), Decimal(1_000_000), 6, True


class PercentField(_Number):
    low, high, max_places = Decimal(0), Decimal(100), 4


class RateField(_Number):
    """A conversion rate: 1 unit of the invoice's currency in the base currency."""

    low, high, max_places = Decimal("0.000001"), Decimal(1_000_000), 6


class HoursField(_Number):
    low, high, max_places = Decimal(0), Decimal(10_000), 2


class DecimalString(fields.String):
    """A Decimal sent as a string, without trailing zeros ('0.15', '1.5')."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        text = format(Decimal(value).normalize(), "f")
        return text


def _minor(**kw: Any) -> fields.Integer:
    kw.setdefault("load_default", None)
    kw.setdefault("allow_none", True)
    return fields.Integer(validate=validate.Range(min=-MAX_MINOR, max=MAX_MINOR), **kw)


def _amount(description: str) -> AmountField:
    return AmountField(load_default=None, allow_none=True, metadata={"description": description})


def _id(**kw: Any) -> Id:
    kw.setdefault("load_default", None)
    kw.setdefault("allow_none", True)
    return Id(**kw)


def _text(max_length: int, **kw: Any) -> fields.String:
    kw.setdefault("load_default", None)
    kw.setdefault("allow_none", True)
    return fields.String(validate=validate.Length(max=max_length), **kw)


def _viewer() -> Any:
    return g.get("actor") if has_app_context() else None


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
    period_label = _text(80, metadata={"description": "e.g. 'November 2026'"})
    notes = _text(5000, metadata={"description": "Printed on the invoice."})


class InvoicePatchIn(BaseSchema):
    """A draft's editable header (load with partial=True in the API)."""

    net_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365))
    locale = LocaleField(load_default=None, allow_none=True)
    period_label = _text(80)
    notes = _text(5000)


class LineIn(BaseSchema):
    description = Name(required=True, max=500)
    quantity = QuantityField(load_default=Decimal(1))
    unit_price = _amount("Unit price in major units, e.g. 49.99.")
    unit_price_minor = _minor(metadata={"description": "Unit price in minor units."})
    discount_percent = PercentField(load_default=Decimal(0))
    tax_rate_id = _id(metadata={"description": "One of the agency's tax rates; none: untaxed."})


class LinePatchIn(LineIn):
    """PATCH body of a line: any subset of LineIn's fields (load with partial=True)."""


class SourceLinesIn(BaseSchema):
    """Lines from a line source: service packages, delivered work items (and later time)."""

    source = fields.String(required=True, validate=validate.OneOf(SourceNames()))
    ids = fields.List(
        Id(),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "Ids of the things to bill (at least one)."},
    )
    unit_price = _amount("Fee per item (work items), overriding the package price.")
    unit_price_minor = _minor()
    tax_rate_id = _id()


class IssueIn(BaseSchema):
    rate_to_base = RateField(
        load_default=None,
        allow_none=True,
        metadata={"description": "Optional: 1 unit of the invoice currency in base currency."},
    )


class VoidIn(BaseSchema):
    reason = _text(200)


class CreditNoteIn(BaseSchema):
    mode = fields.String(load_default="full", validate=validate.OneOf(("full", "partial")))
    reason = _text(200)
    amount = _amount("Partial credit: the amount credited (before the tax rate, if any).")
    amount_minor = _minor()
    tax_rate_id = _id()


class DepositIn(BaseSchema):
    """A deposit invoice: the client's deposit % of `amount`."""

    description = Name(required=True, max=150)
    amount = _amount("The whole amount the deposit is a share of.")
    amount_minor = _minor()
    currency = CurrencyField(load_default=None, allow_none=True)
    tax_rate_id = _id()


class DeductDepositIn(BaseSchema):
    deposit_invoice_id = Id(required=True)


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
        viewer = _viewer()
        if viewer is None or viewer.role == "client":
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


# --- payments ------------------------------------------------------------------------------


class PaymentIn(BaseSchema):
    amount = _amount("In major units of the invoice's currency, e.g. 250.00.")
    amount_minor = _minor(metadata={"description": "In minor units of the invoice's currency."})
    paid_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Today."})
    method = fields.String(load_default="bank_transfer", validate=validate.OneOf(PAYMENT_METHODS))
    reference = _text(120)
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


# --- settings, tax rates, retainers --------------------------------------------------------


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


class SettingsOut(BaseSchema):
    invoice_number_format = fields.String(dump_only=True)
    credit_note_number_format = fields.String(dump_only=True)
    restart_yearly = fields.Boolean(dump_only=True)
    rounding = fields.String(dump_only=True)
    recurring_day = fields.Integer(dump_only=True)
    reminders_enabled = fields.Boolean(dump_only=True)


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


class RetainerIn(BaseSchema):
    description = Name(required=True, max=200)
    monthly_amount = _amount("Monthly fee in major units.")
    monthly_amount_minor = _minor()
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


# --- receivables ---------------------------------------------------------------------------


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
