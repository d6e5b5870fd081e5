"""Web plumbing: security headers, template helpers, the shared page context and absolute
links for emails sent from a request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, Response, current_app, g, request, send_from_directory, url_for
from flask_login import current_user

from app.core.formatting import (
    format_datetime,
    format_day,
    format_duration,
    format_number,
    format_percent,
    format_relative,
    role_label,
)
from app.core.i18n import current_language
from app.core.permissions import public
from app.core.timezones import (
    all_time_zones,
    now_in_zone,
    short_in_zone,
    zone_datalist,
    zone_label,
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)
# The API docs page (flask-smorest's Swagger UI) boots from an inline script.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


def _security_headers(resp):
    resp.headers.setdefault(
        "Content-Security-Policy", DOCS_CSP if request.path == "/api/v1/docs" else CSP
    )
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/"):
        # API answers carry rates, notes and personal data, signed in or not: no cache,
        # shared or private, keeps them (set, not setdefault: send_file adds its own).
        resp.headers["Cache-Control"] = "no-store"
    elif current_user and getattr(current_user, "is_authenticated", False):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def absolute_url(endpoint: str, **values: str) -> str:
    """A link for an email: the configured site address, never the request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def viewer_zone() -> str:
    user = getattr(current_user, "_get_current_object", lambda: None)()
    return getattr(user, "time_zone", None) or "UTC"


@public
def favicon() -> Response:
    """/favicon.ico, which browsers ask for on their own (pages also link the SVG icon)."""
    return send_from_directory(
        Path(current_app.static_folder or "") / "img",
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=86400,
    )


def init_web(app: Flask) -> None:
    app.after_request(_security_headers)
    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET"])

    # One format per kind (app.core.formatting); `in_zone` and `short_in_zone` are the same
    # date-time format under the two names older templates use.
    @app.template_filter("in_zone")
    @app.template_filter("short_in_zone")
    def _in_zone(value: dt.datetime | None, zone: str | None = None) -> str:
        return format_datetime(value, zone or viewer_zone())

    @app.template_filter("day")
    def _day(value: dt.date | dt.datetime | None) -> str:
        return format_day(value)

    @app.template_filter("number")
    def _number(value: int | float | None, decimals: int | None = None) -> str:
        """A count or figure in the reader's digits (an ar_EG reader: ١٢); `decimals`
        fixes how many decimals are written (`0.5 | number(2)` -> '0.50')."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return "" if value is None else str(value)
        pattern = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_number(value, pattern=pattern)

    @app.template_filter("percent")
    def _percent(value: int | float | None) -> str:
        """A whole percentage (0-100) with the reader's digits and percent sign:
        `62 | percent` -> '62%' (en), '62 %' (fr), '٦٢٪؜' (ar_EG)."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return "" if value is None else str(value)
        return format_percent(Decimal(value) / 100)

    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_relative, "ago")
    app.add_template_filter(role_label, "role_label")

    @app.template_global()
    def local_now(zone: str) -> str:
        return short_in_zone(now_in_zone(zone), zone)

    @app.template_global()
    def zone_name(zone: str) -> str:
        """A time zone named in the reader's language ("Egypt Time", "توقيت مصر")."""
        return zone_label(zone)

    @app.template_filter("locale_name")
    def _locale_name(code: str | None) -> str:
        """A locale code named in the reader's language ('fr_CA' -> 'français (Canada)')."""
        try:
            return Locale.parse(str(code).replace("-", "_")).get_display_name(current_language())
        except (ValueError, TypeError, UnknownLocaleError):
            return code or ""

    app.add_template_global(all_time_zones, "all_zones")
    app.add_template_global(zone_datalist, "zone_datalist")

    @app.template_global()
    def has_endpoint(name: str) -> bool:
        """Whether a page exists (the navigation shows only what this build has)."""
        return name in app.view_functions

    @app.context_processor
    def _page_context() -> dict:
        return {"actor": g.get("actor"), "viewer_zone": viewer_zone()}
