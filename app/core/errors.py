"""Errors shared by services, views and the API, and the pages/JSON that show them.

A JSON error answer reads::

    {"code": 422, "status": "Some fields need attention", "error": "validation_failed",
     "message": "<in the reader's language>",
     "errors": {"email": ["<in the reader's language>"]}, "error_codes": {"email": ["required"]}}

`code` is the HTTP status, `status` its English title and `error` a stable machine code
(both for programs); `message` and `errors` are for people, in the request's language
(app.core.i18n). `error_codes` has the shape of `errors`, a machine code in place of each
message. A field message carries its code as a `CodedMessage`: marshmallow's own messages
get theirs from app.core.schemas.BaseSchema, services give theirs (`CodedMessage(_("..."),
"taken")`); a plain string reads as `invalid`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import format_timedelta, gettext
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from app.core.catalogues import N_

log = logging.getLogger("baton.errors")

# The machine code of an error answer, by HTTP status (a DomainError may name its own).
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
BAD_JSON = "bad_json"
INVALID = "invalid"


class CodedMessage(str):
    """A field's error message with its stable machine code (`required`, `too_long`...).

    It reads as its text. Built from an English template and parameters (marshmallow's
    "Longer than maximum length {max}."), it can be said again in another language:
    `translated()`. `format()` keeps the code, so marshmallow's `make_error` and its
    validators' `.format(...)` hand it on; `rule`, if given, picks the code from the
    parameters (a Length's `too_short` or `too_long`)."""

    code: str
    template: str
    params: dict

    def __new__(
        cls,
        text: str,
        code: str = INVALID,
        *,
        template: str | None = None,
        params: Mapping | None = None,
        rule: Callable[[Mapping], str] | None = None,
    ) -> CodedMessage:
        self = super().__new__(cls, text)
        self.code = code
        self.template = str(text) if template is None else template
        self.params = dict(params or {})
        self.rule = rule
        return self

    def format(self, *args: Any, **kwargs: Any) -> CodedMessage:  # type: ignore[override]
        code = self.rule(kwargs) if self.rule and not args else self.code
        text = str.format(self.template, *args, **kwargs)
        return CodedMessage(text, code, template=self.template, params=kwargs)

    def translated(self) -> CodedMessage:
        """The message in the request's language (as it is if the catalogue lacks it)."""
        text = gettext(self.template) if self.template else self.template
        try:
            text = text.format(**self.params) if self.params else text
        except (KeyError, IndexError, ValueError):
            text = str(self)
        return CodedMessage(text, self.code, template=self.template, params=self.params)


class LabelledMessage(CodedMessage):
    """A CodedMessage whose `label` parameter is a field's English name, marked with N_()
    ("Bill rate: enter an amount like 900.00."): `translated()` says the label in the
    reader's language too."""

    def translated(self) -> CodedMessage:
        label = self.params.get("label")
        params = {**self.params, "label": gettext(label)} if label else self.params
        plain = CodedMessage(str(self), self.code, template=self.template, params=params)
        return plain.translated()


def in_reader_language(messages: Any) -> Any:
    """Field messages (a dict, list or string, nested) in the request's language, codes
    kept. A plain string goes through the catalogue too (one it does not hold, e.g. a
    service's message already translated, stays as it is)."""
    if isinstance(messages, dict):
        return {key: in_reader_language(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [in_reader_language(value) for value in messages]
    if isinstance(messages, CodedMessage):
        return messages.translated()
    return gettext(messages) if isinstance(messages, str) and messages else messages


def error_codes(messages: Any) -> Any:
    """The machine codes of field messages, in their shape (`{"email": ["required"]}`)."""
    if isinstance(messages, dict):
        return {key: error_codes(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [error_codes(value) for value in messages]
    return getattr(messages, "code", INVALID)


class DomainError(Exception):
    """Base for rule violations raised by services; views and the API turn them into answers.
    `code` is the answer's machine code (by default the class's, else the status's)."""

    status = 400
    code: str | None = None

    def __init__(self, message: str, errors: dict | None = None, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.code = code or type(self).code or STATUS_CODES.get(self.status, "error")


class ValidationFailed(DomainError):
    """Bad input; `errors` maps field names to lists of messages (`CodedMessage`s to give
    each its machine code; a plain string is `invalid`)."""

    status = 422
    code = "validation_failed"

    def __init__(
        self,
        errors: dict,
        message: str = N_("Some fields need attention."),
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message, errors, code=code)


class Conflict(DomainError):
    """The request is well-formed but not allowed in the object's current state."""

    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


# A field's entry in `errors`/`error_codes`: its list of strings, or, for a nested object or
# list, an object naming the inner fields or positions.
FIELD_ENTRY = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]}


class ErrorSchema(Schema):
    """The body of every JSON error answer (published in the OpenAPI document as `Error`;
    app.extensions.BatonApi registers it for flask-smorest's default error response)."""

    code = fields.Integer(metadata={"description": "The HTTP status code."})
    status = fields.String(
        metadata={"description": "The status's title, in English whatever the language."}
    )
    error = fields.String(
        metadata={
            "description": "A stable machine code for programs: validation_failed, not_found, "
            "conflict, forbidden, unauthorized, rate_limited, bad_json, bad_request... "
            "(an operation may name a more precise one).",
            "example": "validation_failed",
        }
    )
    message = fields.String(
        metadata={
            "description": "For people, in the answer's language (Content-Language): the "
            "request's Accept-Language if Baton speaks it (en, ar, fr), else the API "
            "token owner's profile language, else English."
        }
    )
    errors = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "Field name to its messages (a list of strings; a nested object "
            "or list names its own fields or positions the same way), in the answer's "
            "language.",
            "additionalProperties": FIELD_ENTRY,
            "example": {"email": ["This field is required."]},
        },
    )
    error_codes = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "The shape of `errors`, a stable machine code in place of each "
            "message, index for index: required, null, invalid, too_short, too_long, "
            "too_small, too_large, not_one_of, unknown_field, bad_json...",
            "additionalProperties": FIELD_ENTRY,
            "example": {"email": ["required"]},
        },
    )


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


# English in JSON (`status`, a stable word for programs); translated on the HTML page.
_TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Some fields need attention"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}

# What an HTTP error says when the code raising it gave no words of its own (werkzeug's
# default descriptions are English only).
_DEFAULT_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in to continue."),
    403: N_("You are not allowed to do this."),
    404: N_("Nothing was found at this address."),
    405: N_("This address does not accept this method."),
    413: N_("The request is too large."),
    415: N_("The request body is not in a format this address accepts."),
    429: N_("Too many attempts. Please wait a moment and try again."),
}
BAD_JSON_MESSAGE = N_("The request body is not valid JSON (UTF-8).")
SOME_FIELDS = N_("Some fields need attention.")
SERVER_ERROR = N_("Something went wrong on our side. It has been reported.")


def _rollback() -> None:
    """Forget the failed request's unit of work before the error page: after a failed
    statement PostgreSQL refuses every further one until a rollback, and the page itself
    reads the database (the signed-in person's agencies for the menu). 4xx answers need
    none: views that catch a failed statement roll back themselves."""
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the answer matters more than a second failure
        log.warning("rollback before the error answer failed", exc_info=True)


def request_errors(messages: object) -> dict | None:
    """webargs/flask-smorest messages as `{field: [messages]}`.

    They come keyed by location (`{"json": {"name": [...]}}`), and a body that is not
    JSON at all (malformed, not UTF-8) comes as a bare list (`{"json": ["Invalid JSON
    body."]}`): that one is kept under the location's name, coded `bad_json`."""
    if not isinstance(messages, dict) or not messages:
        return None
    if not set(messages) <= {"json", "query", "form", "files", "headers", "view_args"}:
        return messages
    merged: dict = {}
    for location, part in messages.items():
        if isinstance(part, dict):
            merged.update(part)
        else:
            part = part if isinstance(part, list) else [part]
            bad_json = location == "json"
            merged[location] = [CodedMessage(str(m), BAD_JSON) if bad_json else m for m in part]
    return merged


def _answer(
    status: int,
    message: str,
    errors: dict | None = None,
    headers: dict | None = None,
    *,
    code: str | None = None,
):
    message = gettext(message) if message else message
    if wants_json():
        body: dict = {
            "code": status,
            "status": _TITLES.get(status, "Error"),
            "error": code or STATUS_CODES.get(status, "error"),
            "message": message,
        }
        if errors:
            body["errors"] = in_reader_language(errors)
            body["error_codes"] = error_codes(errors)
        resp = jsonify(body)
    else:
        resp = render_template(
            "errors/error.html",
            code=status,
            title=gettext(_TITLES.get(status, N_("Error"))),
            message=message,
        )
    return resp, status, headers or {}


RATE_LIMITED = N_("Too many attempts.")
TRY_AGAIN_IN = N_("Please try again %(when)s.")


def _retry_in_seconds() -> int | None:
    """Seconds until the rate limit this request hit lets it through again (None: unknown)."""
    from app.core.clock import timestamp
    from app.extensions import limiter

    try:
        hit = limiter.current_limit
    except Exception:  # noqa: BLE001 - no limiter on this app: say nothing precise
        return None
    return max(1, int(hit.reset_at - timestamp())) if hit is not None else None


def _rate_limited_message(exc: HTTPException) -> str:
    """What a 429 says, in the reader's language: the limit's own words if it has some
    (never the limiter's "10 per 1 hour"), and when to try again."""
    limit = getattr(exc, "limit", None)
    limiter_words = limit is None or exc.description == str(getattr(limit, "limit", ""))
    if exc.description == type(exc).description:
        limiter_words = True
    seconds = _retry_in_seconds()
    if seconds is None:
        return gettext(_DEFAULT_MESSAGES[429]) if limiter_words else gettext(exc.description)
    first = gettext(RATE_LIMITED) if limiter_words else gettext(exc.description)
    when = format_timedelta(dt.timedelta(seconds=seconds), add_direction=True)
    return f"{first} {gettext(TRY_AGAIN_IN, when=when)}"


def _http_message(exc: HTTPException, status: int) -> str:
    if status == 422:
        return SOME_FIELDS
    if status == 429:
        return _rate_limited_message(exc)
    described = exc.description
    if not described or described == type(exc).description:
        return _DEFAULT_MESSAGES.get(status) or described or _TITLES.get(status, "Error")
    return described


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return _answer(exc.status, exc.message, exc.errors, code=exc.code)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        # flask-smorest/webargs put validation messages on the exception's data.
        data = getattr(exc, "data", None) or {}
        errors = request_errors(data.get("messages")) if isinstance(data, dict) else None
        if status == 400 and errors and "json" in errors:
            return _answer(status, BAD_JSON_MESSAGE, errors, code=BAD_JSON)
        headers = dict(exc.get_headers()) if status in (405, 429) else {}
        headers.pop("Content-Type", None)
        return _answer(status, _http_message(exc, status), errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS") or app.testing:
            raise exc
        _rollback()
        return _answer(500, SERVER_ERROR)
