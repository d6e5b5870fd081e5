"""Writes that are safe to repeat: the `Idempotency-Key` header of the API operations that
create money or messages, and the one-time token of the HTML forms that do the same.

Both rest on one table, `idempotency_keys`: a row (agency, scope, key) is claimed with an
INSERT in the same transaction as the write it guards, and the answer is stored in that
transaction too (the view's `commit()` is held until the answer is known). So:

- the same key again gets the stored answer and writes nothing;
- a duplicate sent while the first is still running waits on the row's unique key, then
  gets the first answer (if the first failed and rolled back, the duplicate runs instead);
- a key is forgotten after 24 hours (the hourly housekeeping job deletes it).

Only answers of requests that committed a write are stored: a refused request (4xx raised
by the view) rolls back with its claim, so the corrected request may reuse the key.

API: the scope is the API token (or the signed-in person), and the request's method, path,
query and JSON body are fingerprinted: the same key with another request is a 422 naming
the header. Forms: the scope is the signed-in person; a second submit of the same render
(double click, back button, a retried POST) shows "already done" instead of doing it again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, Response, current_app, flash, g, redirect, request
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from app.core.catalogues import N_
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.errors import Conflict, ValidationFailed
from app.core.tenancy import TenantScoped, all_tenants, current_agency_id
from app.core.uow import commit, held_commit
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
FORM_FIELD = "form_token"
KEEP = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255

ALREADY_DONE = N_("That was already done: the form was sent twice, and it was done only once.")

HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Makes the request safe to retry: a unique value you choose (a UUID, say). The same "
        "key from the same API token within 24 hours returns the first answer (status and "
        f"body, with `{REPLAYED_HEADER}: true`) and writes nothing; a duplicate sent while "
        "the first is running waits for it. The same key with a different request is a 422 "
        f"naming `{HEADER}`. Only answers of successful requests are kept."
    ),
}


class IdempotencyKey(TenantScoped, db.Model):
    """A claimed key and the answer its first request got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("agency_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "token:<api token id>", "user:<user id>" (API without a token) or "form:<user id>".
    scope: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None] = mapped_column()
    content_type: Mapped[str | None] = mapped_column(sa.String(120))
    location: Mapped[str | None] = mapped_column(sa.String(2000))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


# --- the claim -----------------------------------------------------------------------------


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Claim (scope, key) in the current transaction: None when claimed now, else the row
    of the request that claimed it first (waiting for that request's transaction to end)."""
    now = utcnow()
    # An expired key may be used afresh (housekeeping may not have run yet).
    db.session.execute(
        sa.delete(IdempotencyKey).where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at <= now - KEEP,
        )
    )
    stmt = (
        _insert()(IdempotencyKey)
        .values(
            agency_id=current_agency_id(),
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["agency_id", "scope", "key"])
        .returning(IdempotencyKey.id)
    )
    if db.session.execute(stmt).scalar() is not None:
        return None
    return db.session.scalar(
        sa.select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def _remember(scope: str, key: str, resp: Response) -> None:
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .values(
            status_code=resp.status_code,
            content_type=resp.content_type,
            location=resp.headers.get("Location"),
            body=resp.get_data(),
        )
    )


def _forget(scope: str, key: str) -> None:
    db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def run_once(
    scope: str,
    key: str,
    fingerprint: str,
    call: Callable[[], Any],
    replay: Callable[[IdempotencyKey], Any],
) -> Any:
    """Run `call` once per (scope, key): claim, run with the view's commit held, store the
    answer, commit all three together. A claimed key gets `replay(row)` instead."""
    first = _claim(scope, key, fingerprint)
    if first is not None:
        return replay(first)
    try:
        with held_commit() as held:
            resp = current_app.make_response(call())
    except BaseException:
        db.session.rollback()
        raise
    if not held.requested:
        # The view wrote nothing it meant to keep (a form shown again with its errors, a
        # read): nothing to remember, and the key stays free.
        db.session.rollback()
        return resp
    if resp.status_code < 400:
        _remember(scope, key, resp)
    else:
        _forget(scope, key)
    commit()
    return resp


# --- API: the Idempotency-Key header -----------------------------------------------------------


def _valid_key(raw: str) -> str:
    if not raw or len(raw) > MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in raw):
        raise ValidationFailed(
            {
                HEADER: [
                    gettext(
                        "Use 1 to %(max)s visible ASCII characters (a UUID, for example).",
                        max=MAX_KEY_LENGTH,
                    )
                ]
            }
        )
    return raw


def _fingerprint() -> str:
    """The request as a digest: method, path, sorted query and the body (JSON normalised,
    so the order of its keys does not matter)."""
    data = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = data
    query = sorted(request.args.items(multi=True))
    head = json.dumps([request.method, request.path, query]).encode()
    return hashlib.sha256(head + b"\n" + body).hexdigest()


def _api_scope() -> str:
    token = g.get("api_token")
    if token is not None:
        return f"token:{token.id}"
    return f"user:{g.actor.user_id}"


def _replay_api(fingerprint: str) -> Callable[[IdempotencyKey], Response]:
    def replay(first: IdempotencyKey) -> Response:
        if first.fingerprint != fingerprint:
            raise ValidationFailed(
                {
                    HEADER: [
                        "This key was already used for a different request. Use a new key "
                        "for a new request."
                    ]
                }
            )
        if first.status_code is None:  # only possible if a claim was committed by hand
            raise Conflict("A request with this Idempotency-Key is still being processed.")
        resp = Response(first.body, status=first.status_code, content_type=first.content_type)
        if first.location:
            resp.headers["Location"] = first.location
        resp.headers[REPLAYED_HEADER] = "true"
        return resp

    return replay


def idempotent(fn: F) -> F:
    """For API operations that create money or messages: honour `Idempotency-Key`.

    Put it right under `@roles(...)`, above `@loads`, `@blp.arguments` and `@blp.response`,
    so the stored answer is the serialized one. Without the header nothing changes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(HEADER)
        if raw is None:
            return fn(*args, **kwargs)
        key = _valid_key(raw.strip())
        fingerprint = _fingerprint()
        return run_once(
            _api_scope(), key, fingerprint, lambda: fn(*args, **kwargs), _replay_api(fingerprint)
        )

    # Document the header on the operation (functools.wraps shared the wrapped doc dict).
    apidoc = deepcopy(getattr(fn, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    manual["parameters"] = [*manual.get("parameters", []), HEADER_DOC]
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


# --- HTML forms: one token per render ----------------------------------------------------------


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def form_token_field() -> Markup:
    """The hidden field a form that creates money or messages carries (a fresh token per
    render): `{{ form_token() }}` in the template."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FORM_FIELD, new_form_token())


def _replay_form(first: IdempotencyKey) -> Any:
    flash(gettext(ALREADY_DONE), "info")
    target = first.location or request.referrer or request.path
    return redirect(target, code=303)


def once_per_form(fn: F) -> F:
    """For HTML views that create money or messages: the form's one-time token is spent by
    the first successful submit; the same render sent again shows "already done" and the
    page the first submit led to. A form sent without a token works as before."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = request.form.get(FORM_FIELD) if request.method == "POST" else None
        if not raw:
            return fn(*args, **kwargs)
        try:
            key = _valid_key(raw.strip())
        except ValidationFailed:
            return fn(*args, **kwargs)
        return run_once(
            f"form:{g.actor.user_id}", key, "form", lambda: fn(*args, **kwargs), _replay_form
        )

    return wrapper  # type: ignore[return-value]


# --- housekeeping and set-up ----------------------------------------------------------------


def purge_expired_keys(now: dt.datetime | None = None) -> int:
    """Delete the keys older than 24 hours in every agency; returns how many."""
    cutoff = (now or utcnow()) - KEEP
    with all_tenants():
        result = db.session.execute(
            sa.delete(IdempotencyKey).where(IdempotencyKey.created_at <= cutoff)
        )
    return result.rowcount or 0


def init_idempotency(app: Flask) -> None:
    app.add_template_global(form_token_field, "form_token")
