"""Helpers of the users tests: signed-in browsers, session ids, fresh rows, emails, codes."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa
from flask import Flask

from app.core.clock import utcnow
from app.core.mail import OutboundEmail
from app.core.security import encrypt_field, token_hash
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import User, UserSession
from tests.helpers import login


def signed_in(app: Flask, user: User):
    """A new browser signed in as `user` through the real login form."""
    client = app.test_client()
    resp = login(client, user)
    assert resp.status_code == 302, resp.data[:300]
    return client


def session_id(client) -> str | None:
    """The server-side session id carried in this browser's signed cookie."""
    with client.session_transaction() as sess:
        return sess.get("sid")


def session_row(sid: str) -> UserSession | None:
    return db.session.scalar(
        sa.select(UserSession)
        .where(UserSession.token_hash == token_hash(sid))
        .execution_options(populate_existing=True)
    )


def count(model, *where) -> int:
    with all_tenants():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def fresh(model, id_: int):
    """A row re-read from the database (never a stale copy from the identity map)."""
    with all_tenants():
        return db.session.scalar(
            sa.select(model).where(model.id == id_).execution_options(populate_existing=True)
        )


def emails_to(address: str) -> list[OutboundEmail]:
    return list(
        db.session.scalars(
            sa.select(OutboundEmail)
            .where(OutboundEmail.to_addr == address)
            .order_by(OutboundEmail.id)
        )
    )


def link_path(email: OutboundEmail, marker: str) -> str:
    """The path of the link in an email's text, e.g. marker='/invite/'."""
    match = re.search(
        r"https?://[^/\s]+(" + re.escape(marker) + r"[A-Za-z0-9_\-]+)", email.text_body
    )
    assert match, email.text_body
    return match.group(1)


def csrf_from(html: bytes) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1).decode()


def enable_totp(app: Flask, user: User) -> str:
    """Turn two-factor on for `user`; returns the secret (to compute codes with pyotp)."""
    secret = pyotp.random_base32()
    user.totp_secret = encrypt_field(app.config["SECRET_KEY"], secret)
    user.totp_enabled_at = utcnow()
    db.session.commit()
    return secret


def field_error(resp, field: str) -> bool:
    return f'data-field-error="{field}"'.encode() in resp.data
