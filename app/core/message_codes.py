"""Machine codes of marshmallow's messages: every schema built on
app.core.schemas.BaseSchema gives its fields' messages (and their validators') a stable code
beside the text, as app.core.errors.CodedMessage, which the API answers under `error_codes`.

A field's message is coded by its key ("required", "null", "invalid"...) unless renamed in
FIELD_CODES; a validator's by its class, Length and Range by the bound the value missed
(too_short/too_long, too_small/too_large)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from app.core.errors import CodedMessage

FIELD_CODES = {
    "validator_failed": "invalid",
    "invalid_utf8": "invalid",
    "special": "invalid",
    "type": "invalid_type",
    "range": "out_of_range",
    "places": "too_many_decimals",
}
VALIDATOR_CODES: tuple[tuple[type, str], ...] = (
    (validate.OneOf, "not_one_of"),  # and ContainsOnly
    (validate.NoneOf, "not_allowed"),  # and ContainsNoneOf
    (validate.Equal, "not_equal"),
)


def _coded(message: Any, code: str, rule: Any = None) -> Any:
    """`message` as a CodedMessage; one already coded, or lazy (lazy_gettext translates
    itself), stays as it is."""
    if isinstance(message, CodedMessage) or not isinstance(message, str):
        return message
    return CodedMessage(message, code, rule=rule)


def _length_rule(validator: validate.Length) -> Any:
    def rule(params: Mapping) -> str:
        if validator.equal is not None:
            return "wrong_length"
        try:
            short = validator.min is not None and len(params["input"]) < validator.min
        except (KeyError, TypeError):
            return "invalid_length"
        return "too_short" if short else "too_long"

    return rule


def _range_rule(validator: validate.Range) -> Any:
    def rule(params: Mapping) -> str:
        low, value = validator.min, params.get("input")
        try:
            small = low is not None and (
                value < low or (value == low and not validator.min_inclusive)
            )
        except TypeError:
            return "out_of_range"
        return "too_small" if small else "too_large"

    return rule


def _code_validator(validator: Any) -> None:
    """Code a validator's messages in place (idempotent: schemas share validators)."""
    if isinstance(validator, validate.Length | validate.Range):
        make_rule = _length_rule if isinstance(validator, validate.Length) else _range_rule
        rule = make_rule(validator)
        for name in ("message_min", "message_max", "message_all", "message_equal", "error"):
            if getattr(validator, name, None):
                setattr(validator, name, _coded(getattr(validator, name), "", rule))
        return
    if isinstance(getattr(validator, "error", None), str):
        code = next((c for kind, c in VALIDATOR_CODES if isinstance(validator, kind)), "invalid")
        validator.error = _coded(validator.error, code)


def code_messages(field: fields.Field) -> None:
    """Give a field's messages (and its validators', and its inner fields') their codes."""
    field.error_messages = {
        key: _coded(message, FIELD_CODES.get(key, key))
        for key, message in field.error_messages.items()
    }
    for validator in field.validators:
        _code_validator(validator)
    inner = [getattr(field, "inner", None), getattr(field, "key_field", None)]
    inner += [getattr(field, "value_field", None), *(getattr(field, "tuple_fields", None) or ())]
    for sub in inner:
        if isinstance(sub, fields.Field):
            code_messages(sub)
