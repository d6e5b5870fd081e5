"""Fields shared by the billing schemas (invoices, payments, retainers): bounded decimals
that take a JSON number or a string, amounts in minor or major units, optional ids and text.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, has_app_context
from marshmallow import fields, validate

from app.core.formatting import normalise_digits
from app.core.schemas import Id

MAX_MINOR = 10**13 - 1


class BoundedDecimal(fields.Decimal):
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
        if isinstance(value, str):
            value = normalise_digits(value)  # '٢٫٥' typed in Arabic-Indic digits is 2.5
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


class AmountField(BoundedDecimal):
    """An amount in major units (e.g. 1234.50); its currency's decimals are checked later."""

    max_places = 3


class QuantityField(BoundedDecimal):
    low, high, max_places, nonzero = Decimal(-1_000_000), Decimal(1_000_000), 6, True


class PercentField(BoundedDecimal):
    low, high, max_places = Decimal(0), Decimal(100), 4


class RateField(BoundedDecimal):
    """A conversion rate: 1 unit of the invoice's currency in the base currency."""

    low, high, max_places = Decimal("0.000001"), Decimal(1_000_000), 6


class HoursField(BoundedDecimal):
    low, high, max_places = Decimal(0), Decimal(10_000), 2


class DecimalString(fields.String):
    """A Decimal sent as a string, without trailing zeros ('0.15', '1.5')."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        text = format(Decimal(value).normalize(), "f")
        return text


def minor_field(**kw: Any) -> fields.Integer:
    kw.setdefault("load_default", None)
    kw.setdefault("allow_none", True)
    return fields.Integer(validate=validate.Range(min=-MAX_MINOR, max=MAX_MINOR), **kw)


def amount_field(description: str) -> AmountField:
    return AmountField(load_default=None, allow_none=True, metadata={"description": description})


def id_field(**kw: Any) -> Id:
    kw.setdefault("load_default", None)
    kw.setdefault("allow_none", True)
    return Id(**kw)


def text_field(max_length: int, **kw: Any) -> fields.String:
    kw.setdefault("load_default", None)
    kw.setdefault("allow_none", True)
    return fields.String(validate=validate.Length(max=max_length), **kw)


def viewer() -> Any:
    return g.get("actor") if has_app_context() else None
