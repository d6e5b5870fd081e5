"""Schema building blocks shared by every domain's HTML forms and JSON API."""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from werkzeug.datastructures import MultiDict

from app.core.timezones import is_valid_zone

# --- Wording of marshmallow's built-in field messages, for every schema at once ----------
# Replaced only where a field still has marshmallow's default, so a field's own message wins.
HUMAN_MESSAGES = {
    "required": ("Missing data for required field.", "This field is required."),
    "null": ("Field may not be null.", "This field can't be empty."),
}


class HumanMessages(Schema):
    """Says "This field is required." where marshmallow says "Missing data for required
    field." (forms and the API show these messages to people)."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        for key, (default, human) in HUMAN_MESSAGES.items():
            if field_obj.error_messages.get(key) == default:
                field_obj.error_messages = {**field_obj.error_messages, key: human}
        super().on_bind_field(field_name, field_obj)


# --- end of the wording block -----------------------------------------------------------


class BaseSchema(HumanMessages, Schema):
    """Unknown fields are rejected; surrounding white space is trimmed from strings."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _strip_strings(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {k: self._clean(k, v) for k, v in data.items()}
        return data

    def _clean(self, key: str, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, float) and not value.is_integer():
            # marshmallow's Integer would silently truncate 1.5 to 1; as text it fails
            # with "Not a valid integer." like any other non-integer.
            field = next((f for n, f in self.load_fields.items() if (f.data_key or n) == key), None)
            if isinstance(field, fields.Integer):
                return str(value)
        return value


class _FormattedString(fields.String):
    """A string whose OpenAPI `format` says what it holds, so API clients know."""

    openapi_format = ""

    def __init__(self, **kw: Any) -> None:
        kw["metadata"] = {"format": self.openapi_format, **(kw.get("metadata") or {})}
        super().__init__(**kw)


class TimeZoneField(_FormattedString):
    openapi_format = "iana-time-zone"
    default_error_messages = {"zone": "Not a known IANA time zone (e.g. Europe/Berlin)."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_zone(value):
            raise self.make_error("zone")
        return value


@functools.cache
def currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


class CurrencyField(_FormattedString):
    openapi_format = "iso-4217-currency"
    default_error_messages = {"currency": "Not an ISO 4217 currency code (e.g. EUR)."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).upper()
        if value not in currency_codes():
            raise self.make_error("currency")
        return value


class LocaleField(_FormattedString):
    openapi_format = "locale"
    default_error_messages = {"locale": "Not a known locale (e.g. en, ar, fr_CA)."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError) as exc:
            raise self.make_error("locale") from exc
        return value.replace("-", "_")


# CLDR territories that are not countries: unknown/outlying regions, unions, pseudo-locales.
NOT_COUNTRIES = frozenset({"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"})


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(
        k
        for k in Locale("en").territories
        if len(k) == 2 and k.isalpha() and k not in NOT_COUNTRIES
    )


class CountryField(_FormattedString):
    openapi_format = "iso-3166-alpha-2"
    default_error_messages = {"country": "Not an ISO 3166 two-letter country code (e.g. DE)."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).upper()
        if value not in country_codes():
            raise self.make_error("country")
        return value


def Name(**kw: Any) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(validate=validate.Length(min=1, max=kw.pop("max", 120)), **kw)


class PageArgs(BaseSchema):
    """?page=&per_page= on every list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


def form_data(form: MultiDict, schema: Schema, *, partial: bool = False) -> dict:
    """Turn an HTML form into the dict the schema loads: drop the CSRF token, treat empty
    inputs as missing, read list fields as lists and unchecked checkboxes as false."""
    out: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        if isinstance(field, fields.List):
            values = [v for v in form.getlist(key) if v.strip()]
            if values or key in form:
                out[key] = values
        elif isinstance(field, fields.Boolean):
            if not partial or key in form:
                out[key] = form.get(key) in ("on", "true", "1", "yes")
        elif isinstance(field, fields.Dict):
            prefix = key + "."
            sub = {k[len(prefix) :]: v for k, v in form.items() if k.startswith(prefix) and v}
            if sub or not partial:
                out[key] = sub
        elif key in form:
            value = form.get(key, "")
            if value.strip() == "":
                if field.allow_none and not field.required:
                    out[key] = None
                continue
            out[key] = value
    known = {f.data_key or n for n, f in schema.fields.items()} | {"csrf_token", "form_token"}
    for key in form:
        if key.split(".")[0] not in known:
            out[key] = form.get(key)
    return out


def load_form(schema: Schema, form: MultiDict, *, partial: bool = False) -> dict:
    """Load a form with the domain schema; raises ValidationFailed naming each field."""
    from app.core.errors import ValidationFailed

    try:
        return schema.load(form_data(form, schema, partial=partial), partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(_flatten(exc.messages)) from exc


def _flatten(messages: Any) -> dict:
    if isinstance(messages, dict):
        return {str(k): v for k, v in messages.items()}
    return {"_schema": messages}
