"""Schema building blocks shared by every domain's HTML forms and JSON API."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from werkzeug.datastructures import MultiDict

from app.core.catalogues import N_
from app.core.errors import CodedMessage, LabelledMessage, in_reader_language
from app.core.message_codes import code_messages
from app.core.timezones import is_valid_zone

# --- Wording of marshmallow's built-in field messages, for every schema at once ----------
# Replaced only where a field still has marshmallow's default, so a field's own message wins.
HUMAN_MESSAGES = {
    "required": ("Missing data for required field.", N_("This field is required.")),
    "null": ("Field may not be null.", N_("This field can't be empty.")),
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


# Ids are PostgreSQL `integer` columns: anything outside 1..2^31-1 names nothing, and must be
# refused before the database sees it (int4 overflow is an error there, not "not found").
MAX_ID = 2**31 - 1
# Other whole numbers without a declared range get the int4 range (the column type of
# counts, minutes and days); money in minor units declares its own wider range.
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1

# Characters that show nothing, yet are neither white space to Python's str.strip() nor
# format characters (category Cf, e.g. U+200B ZERO WIDTH SPACE, U+FEFF): fillers that
# render blank. A name made only of these (or of Cf) is blank.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def _invisible(char: str) -> bool:
    return char.isspace() or char in _INVISIBLE_LETTERS or unicodedata.category(char) == "Cf"


def strip_invisible(text: str) -> str:
    """`text` without white space or invisible characters at either end."""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


NUL_MESSAGE = N_("Must not contain NUL characters (\\u0000).")
SURROGATE_MESSAGE = N_("Must be valid Unicode text (a lone surrogate was sent).")


def text_problem(value: Any) -> str | None:
    """Why a value cannot be stored as text (PostgreSQL refuses NUL; a lone surrogate is
    not Unicode and cannot be encoded as UTF-8), looking inside lists and objects."""
    if isinstance(value, str):
        if "\x00" in value:
            return CodedMessage(NUL_MESSAGE, "nul_character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return CodedMessage(SURROGATE_MESSAGE, "invalid_unicode")
        return None
    if isinstance(value, dict):
        items: list = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    return next((p for item in items if (p := text_problem(item)) is not None), None)


def _bounded_int(field: fields.Field) -> None:
    """Give an integer field without an upper bound the int4 range (published in the
    OpenAPI document, checked on load), so no out-of-range number reaches PostgreSQL."""
    if isinstance(field, fields.List):
        _bounded_int(field.inner)
        return
    if not isinstance(field, fields.Integer) or field.dump_only:
        return
    if any(isinstance(v, validate.Range) and v.max is not None for v in field.validators):
        return
    field.validators = [
        *field.validators,
        validate.Range(min=INT4_MIN, max=INT4_MAX, error=N_("Must be a whole number in range.")),
    ]


class BaseSchema(HumanMessages, Schema):
    """Unknown fields are rejected; surrounding white space (and invisible characters) is
    trimmed from strings; text PostgreSQL cannot store (NUL, lone surrogates) is refused
    naming the field; integers stay in the database's range."""

    class Meta:
        unknown = RAISE

    error_messages = {  # noqa: RUF012 - marshmallow merges it over its own defaults
        "unknown": CodedMessage("Unknown field.", "unknown_field"),
        "type": CodedMessage("Invalid input type.", "invalid_type"),
    }

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _bounded_int(field_obj)
        super().on_bind_field(field_name, field_obj)
        code_messages(field_obj)

    @pre_load
    def _strip_strings(self, data: Any, **kwargs: Any) -> Any:
        # A Mapping, not only a dict: query strings arrive as webargs' MultiDictProxy.
        if isinstance(data, Mapping):
            problems = {
                str(k): [p]
                for k, v in data.items()
                if (p := text_problem(v) or text_problem(k)) is not None
            }
            if problems:
                raise ValidationError(problems)
            return {k: self._clean(k, v) for k, v in data.items()}
        return data

    def _clean(self, key: str, value: Any) -> Any:
        if isinstance(value, str):
            return strip_invisible(value)
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
    default_error_messages = {
        "unknown_time_zone": N_("Not a known IANA time zone (e.g. Europe/Berlin).")
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_zone(value):
            raise self.make_error("unknown_time_zone")
        return value


@functools.cache
def currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


class CurrencyField(_FormattedString):
    openapi_format = "iso-4217-currency"
    default_error_messages = {"unknown_currency": N_("Not an ISO 4217 currency code (e.g. EUR).")}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).upper()
        if value not in currency_codes():
            raise self.make_error("unknown_currency")
        return value


class LocaleField(_FormattedString):
    openapi_format = "locale"
    default_error_messages = {"unknown_locale": N_("Not a known locale (e.g. en, ar, fr_CA).")}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError) as exc:
            raise self.make_error("unknown_locale") from exc
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
    default_error_messages = {
        "unknown_country": N_("Not an ISO 3166 two-letter country code (e.g. DE).")
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).upper()
        if value not in country_codes():
            raise self.make_error("unknown_country")
        return value


class Id(fields.Integer):
    """The id of a row (a client, an invoice, a membership...): a whole number from 1 to
    2^31-1. Anything else cannot name a row, so it is refused before any query."""

    def __init__(self, **kw: Any) -> None:
        kw["validate"] = [
            validate.Range(min=1, max=MAX_ID, error=N_("Not a valid id.")),
            *_as_list(kw.get("validate")),
        ]
        super().__init__(**kw)


def _as_list(validators: Any) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, list | tuple) else [validators]


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
        raise ValidationFailed(in_reader_language(_flatten(exc.messages))) from exc


# Messages marshmallow and webargs themselves give, for the catalogue; forms and the API
# show them in the reader's language (app.core.errors.in_reader_language).
MARSHMALLOW_MESSAGES = (
    N_("Not a valid email address."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid boolean."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Number too large."),
    N_("Unknown field."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Invalid value."),
    N_("Invalid JSON body."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be one of: {choices}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("String does not match expected pattern."),
)


def _flatten(messages: Any) -> dict:
    if isinstance(messages, dict):
        return {str(k): v for k, v in messages.items()}
    return {"_schema": messages}


# OpenAPI pieces for answers that are not a marshmallow schema: files and error answers.
# flask-smorest registers its ErrorSchema (the body app.core.errors sends) as "Error".
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def error_response(description: str) -> dict:
    """An error answer (404, 409...) with the JSON body every API error has."""
    return {"description": description, "content": ERROR_CONTENT}


def file_response(description: str, *media_types: str, schema: dict | None = None) -> dict:
    """A download in one of `media_types`: raw bytes, unless `schema` says what the
    document holds (a YAML file is an object to a client that reads it)."""
    content = {"schema": schema or {"type": "string", "format": "binary"}}
    return {"description": description, "content": {m: content for m in media_types}}


# --- Money typed in major units (forms; the API accepts it beside the *_minor integers) ---
# Kept in its own block: amounts are parsed by app.core.money.parse_amount, exactly, with
# the currency's own decimals; a schema cannot always know the currency (a PATCH may keep
# the object's), so the field checks the writing and `amount_to_minor` converts it once the
# service knows the currency.


def _labelled(
    template: str, label: str, example: str | None = None, *, code: str = "invalid", **params: Any
) -> LabelledMessage:
    """A money field's message, its label said in the reader's language where shown."""
    values = {"label": label, **({"example": example} if example else {}), **params}
    return LabelledMessage(template.format(**values), code, template=template, params=values)


class MoneyField(fields.String):
    """An amount in major units as text ("900.00", "900", "9.000"), never a float. Loads
    as the typed text, checked for its form; `amount_to_minor` turns it into minor units."""

    def __init__(self, *, label: str, negative: bool = False, **kw: Any) -> None:
        metadata = {
            "format": "decimal",
            # The writing parse_amount reads (up to 4 decimals; the currency may allow fewer).
            "pattern": ("^-?" if negative else "^") + r"(\d{1,3}(,\d{3})+|\d+)(\.\d{1,4})?$",
            "description": f"{label} in major units of the currency, e.g. 900.00 (USD), "
            "900 (JPY), 9.000 (KWD).",
            **(kw.pop("metadata", None) or {}),
        }
        super().__init__(metadata=metadata, **kw)
        self.label = label
        self.negative = negative

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        from app.core.money import AmountError, parse_amount

        if not isinstance(value, str):
            # Text only: a JSON number may already be a rounded float.
            raise ValidationError(
                _labelled(N_('{label}: enter an amount as text, like "900.00".'), self.label)
            )
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            # The writing alone (up to 4 decimals, the most any currency has); the
            # currency's own decimals are checked by amount_to_minor.
            parse_amount(text, "CLF", label=self.label, negative=self.negative)
        except AmountError as exc:
            raise ValidationError(
                _labelled(N_("{label}: enter an amount like {example}."), self.label, "900.00")
            ) from exc
        return text


def amount_to_minor(
    data: dict, name: str, currency: str, *, label: str, maximum: int | None = None
) -> None:
    """Replace `data[name]` (major-unit text from a MoneyField) by `data[name + "_minor"]`
    in `currency`'s minor units; raises ValidationFailed naming `name` if it does not fit.
    Refuses both spellings at once. Leaves `data` alone when `name` was not given."""
    from app.core.errors import ValidationFailed
    from app.core.money import AmountError, parse_amount

    if name not in data:
        return
    minor_key = f"{name}_minor"
    text = data.pop(name)
    if data.get(minor_key) is not None:
        template = N_("{label}: give {name} or {minor_key}, not both.")
        both = _labelled(template, label, code="not_both", name=name, minor_key=minor_key)
        raise ValidationFailed({name: [both.translated()]})
    if text is None:
        data[minor_key] = None
        return
    try:
        minor = parse_amount(text, currency, label=label)
    except AmountError as exc:
        raise ValidationFailed({name: [exc.message.translated()]}) from exc
    if maximum is not None and abs(minor) > maximum:
        too_large = _labelled(N_("{label}: this amount is too large."), label, code="too_large")
        raise ValidationFailed({name: [too_large.translated()]})
    data[minor_key] = minor


# --- end of the money block ---------------------------------------------------------------
