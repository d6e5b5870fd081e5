"""Error reporting: sentry-sdk, on only when SENTRY_DSN is set, with secrets scrubbed."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

SENSITIVE_KEYS = re.compile(
    r"pass(word)?|secret|token|api[_-]?key|authorization|cookie|session|csrf|totp|otp|"
    r"smtp_url|dsn|credential",
    re.IGNORECASE,
)
FILTERED = "[Filtered]"


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {
            k: (
                FILTERED
                if isinstance(k, str) and SENSITIVE_KEYS.search(k)
                else _scrub(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    if isinstance(value, str):
        return _scrub_text(value)
    return value


# Secrets that show up inside text rather than under a telling key.
SECRET_PATTERNS = [
    # URLs with credentials (postgresql://user:pass@host, rediss://:pass@host).
    (re.compile(r"(://[^:/@\s]*:)[^@\s]+@"), r"\1" + FILTERED + "@"),
    # One-time links carry their token in the path.
    (re.compile(r"(/(?:reset-password|invite)/)[^/?#\s\"']+"), r"\1" + FILTERED),
    # Query parameters named like secrets (?token=..., &password=...).
    (
        re.compile(
            r"((?:^|[?&;])[^=&?#\s]*(?:token|pass|secret|key|sig|code)[^=&#\s]*=)[^&#\s]*", re.I
        ),
        r"\1" + FILTERED,
    ),
    # Bearer credentials and Baton API tokens wherever they appear (e.g. a local variable).
    (re.compile(r"(?i)(bearer\s+)[^\s\"']+"), r"\1" + FILTERED),
    (re.compile(r"baton_[A-Za-z0-9_\-]{16,}"), FILTERED),
]


def _scrub_text(value: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        value = pattern.sub(replacement, value)
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry before_send: drop cookies, auth headers, form secrets and URL passwords."""
    event = _scrub(event)
    req = event.get("request")
    if isinstance(req, dict):
        req.pop("cookies", None)
        if isinstance(req.get("data"), str):
            req["data"] = FILTERED
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user.get("id")} if user.get("id") else {}
    return event


def init_sentry(app: Flask) -> bool:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config.get("SENTRY_ENVIRONMENT"),
        traces_sample_rate=app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,
        before_send=scrub_event,
    )
    return True
