"""Errors shared by services, views and the API, and the pages/JSON that show them."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from app.core.catalogues import N_

log = logging.getLogger("baton.errors")


class DomainError(Exception):
    """Base for rule violations raised by services; views and the API turn them into answers."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(DomainError):
    """Bad input; `errors` maps field names to lists of messages."""

    status = 422

    def __init__(self, errors: dict, message: str = "Some fields need attention.") -> None:
        super().__init__(message, errors)


class Conflict(DomainError):
    """The request is well-formed but not allowed in the object's current state."""

    status = 409


class Forbidden(DomainError):
    status = 403


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
    body."]}`): that one is kept under the location's name."""
    if not isinstance(messages, dict) or not messages:
        return None
    if not set(messages) <= {"json", "query", "form", "files", "headers", "view_args"}:
        return messages
    merged: dict = {}
    for location, part in messages.items():
        if isinstance(part, dict):
            merged.update(part)
        else:
            merged[location] = part if isinstance(part, list) else [str(part)]
    return merged


def _answer(code: int, message: str, errors: dict | None = None, headers: dict | None = None):
    if wants_json():
        body: dict = {"code": code, "status": _TITLES.get(code, "Error"), "message": message}
        if errors:
            body["errors"] = errors
        resp = jsonify(body)
    else:
        resp = render_template(
            "errors/error.html",
            code=code,
            title=gettext(_TITLES.get(code, N_("Error"))),
            message=message,
        )
    return resp, code, headers or {}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return _answer(exc.status, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        # flask-smorest/webargs put validation messages on the exception's data.
        data = getattr(exc, "data", None) or {}
        errors = request_errors(data.get("messages")) if isinstance(data, dict) else None
        if code == 400 and errors and "json" in errors:
            message = "The request body is not valid JSON (UTF-8)."
            return _answer(code, message, errors)
        message = exc.description if code != 422 else "Some fields need attention."
        headers = dict(exc.get_headers()) if code in (405, 429) else {}
        headers.pop("Content-Type", None)
        return _answer(code, message or _TITLES.get(code, "Error"), errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS") or app.testing:
            raise exc
        _rollback()
        return _answer(500, "Something went wrong on our side. It has been reported.")
