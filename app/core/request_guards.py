"""What every request passes before its view: URL values the database can hold, the media
type of JSON API bodies, and a proper answer to OPTIONS.

Bad input must get a clear 4xx and never reach PostgreSQL, which answers int4 overflow and
NUL characters with an error (a 500 for the client). Path ids are checked by the URL
converters (an id that cannot exist matches no route: 404), bodies and query strings by
the shared schemas (app.core.schemas).
"""

from __future__ import annotations

import re

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from app.core.schemas import MAX_ID, text_problem

JSON_MEDIA_TYPE = "application/json"
_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class IdConverter(IntegerConverter):
    """`<int:...>`: a row id, 0..2^31-1 unless the rule says otherwise (apispec publishes
    the bound in the OpenAPI document through flask-smorest's IntegerConverter mapping)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """The default `<...>` converter, refusing what no slug or token can contain."""

    def to_python(self, value: str) -> str:
        if text_problem(value) is not None:
            raise ValidationError()
        return value


def install_converters(app: Flask) -> None:
    """Replace Flask's converters before any route is added (rules bind them when added)."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter


def is_json_media_type(mimetype: str) -> bool:
    return mimetype == JSON_MEDIA_TYPE or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _declared_bodies(app: Flask) -> dict[tuple[str, str], frozenset[str]]:
    """(OpenAPI path, METHOD) -> media types its documented request body accepts."""
    cached = app.extensions.get("baton_request_bodies")
    if cached is None:
        from app.extensions import api

        cached = {}
        for path, item in (api.spec.to_dict().get("paths") or {}).items():
            for method, op in item.items():
                body = op.get("requestBody") if isinstance(op, dict) else None
                if body:
                    cached[(path, method.upper())] = frozenset(body.get("content") or ())
        app.extensions["baton_request_bodies"] = cached
    return cached


def _check_body_media_type() -> None:
    """A JSON API operation reads only JSON: a form or text body would be read as "no
    fields" and the operation would run on defaults (an invoice issued without the
    rate_to_base that was sent). JSON is accepted everywhere (a body a schema can judge,
    naming fields); other media types only where the operation declares them (uploads)."""
    rule = request.url_rule
    if rule is None or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    path = _RULE_PARAM.sub(lambda m: "{" + m.group(1) + "}", rule.rule)
    accepted = _declared_bodies(current_app).get((path, request.method))
    if accepted is None:
        return
    mimetype = request.mimetype
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if not mimetype and not has_body:
        return
    if is_json_media_type(mimetype) or mimetype in accepted:
        return
    wanted = " or ".join(sorted(accepted | {JSON_MEDIA_TYPE}))
    abort(415, f"Send the body as {wanted} (got {mimetype or 'no Content-Type'}).")


def before_request():
    """Runs before authentication (so OPTIONS needs none)."""
    rule = request.url_rule
    # Flask answers OPTIONS itself (200 with Allow); no view, no access rule to check.
    if request.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
        return current_app.make_default_options_response()
    if request.path.startswith("/api/"):
        _check_body_media_type()
    return None


def init_request_guards(app: Flask) -> None:
    app.before_request(before_request)
