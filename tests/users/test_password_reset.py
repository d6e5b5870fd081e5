"""Password reset: same answer for every email, a single-use expiring link, and a reset that
ends every session of the person and signs them in fresh."""

from __future__ import annotations

import datetime as dt

import pyotp
import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.mail import OutboundEmail
from app.core.security import token_hash, verify_password
from app.extensions import db
from app.users.models import PasswordReset, User
from tests.helpers import login
from tests.users.support import (
    count,
    emails_to,
    enable_totp,
    field_error,
    fresh,
    link_path,
    session_id,
    session_row,
    signed_in,
)
from tests.users.test_sign_in import config

NEW_PASSWORD = "a-brand-new-password"


def _ask(client, email: str):
    return client.post("/forgot-password", data={"email": email})


def test_same_answer_whether_or_not_the_account_exists(client, team):
    known = _ask(client, team.va.user.email.upper())
    unknown = _ask(client, "nobody@nowhere.test")
    assert known.status_code == unknown.status_code == 200
    message = b"If an account exists for that email"
    assert message in known.data and message in unknown.data
    assert len(emails_to(team.va.user.email)) == 1
    assert count(OutboundEmail) == 1
    assert count(PasswordReset) == 1


def test_reset_link_is_emailed_stored_hashed_and_expires(app, client, team):
    _ask(client, team.va.user.email)
    (email,) = emails_to(team.va.user.email)
    path = link_path(email, "/reset-password/")
    assert email.text_body.count(app.config["BASE_URL"]) >= 1
    raw = path.rsplit("/", 1)[1]
    reset = db.session.scalar(
        sa.select(PasswordReset).where(PasswordReset.user_id == team.va.user_id)
    )
    assert reset.token_hash == token_hash(raw) and raw not in reset.token_hash
    minutes = app.config["PASSWORD_RESET_TTL_MINUTES"]
    assert abs((reset.expires_at - utcnow()) - dt.timedelta(minutes=minutes)) < dt.timedelta(
        minutes=1
    )


def test_reset_sets_the_password_ends_every_session_and_signs_in(app, team):
    elsewhere = signed_in(app, team.va.user)
    old_sid = session_id(elsewhere)
    browser = app.test_client()
    _ask(browser, team.va.user.email)
    path = link_path(emails_to(team.va.user.email)[0], "/reset-password/")
    assert browser.get(path).status_code == 200

    short = browser.post(path, data={"password": "short"})
    assert short.status_code == 422 and field_error(short, "password")

    done = browser.post(path, data={"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert verify_password(fresh(User, team.va.user_id).password_hash, NEW_PASSWORD)
    assert session_row(old_sid).revoked_at is not None
    assert elsewhere.get(f"/{team.agency.slug}/").status_code == 302
    assert session_id(browser) and session_id(browser) != old_sid
    assert browser.get(f"/{team.agency.slug}/").status_code == 200
    # Single use.
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert b"expired or was already used" in again.data
    assert app.test_client().post(path, data={"password": "another-password-1"}).status_code == 410
    assert login(app.test_client(), team.va.user, NEW_PASSWORD).status_code == 302


def test_expired_and_unknown_links_give_a_clear_page(app, client, team):
    _ask(client, team.va.user.email)
    path = link_path(emails_to(team.va.user.email)[0], "/reset-password/")
    reset = db.session.scalar(sa.select(PasswordReset))
    reset.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    expired = client.post(path, data={"password": NEW_PASSWORD})
    assert expired.status_code == 410
    assert b"can&#39;t be used" in expired.data or b"can't be used" in expired.data
    assert not verify_password(fresh(User, team.va.user_id).password_hash, NEW_PASSWORD)
    assert client.get("/reset-password/not-a-real-token").status_code == 404


def test_only_the_newest_link_works(client, team):
    _ask(client, team.va.user.email)
    _ask(client, team.va.user.email)
    first, second = (link_path(e, "/reset-password/") for e in emails_to(team.va.user.email))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_reset_of_a_2fa_account_still_asks_for_the_code(app, client, team):
    secret = enable_totp(app, team.va.user)
    _ask(client, team.va.user.email)
    path = link_path(emails_to(team.va.user.email)[0], "/reset-password/")
    resp = client.post(path, data={"password": NEW_PASSWORD})
    assert resp.headers["Location"].endswith("/login/2fa")
    assert client.get(f"/{team.agency.slug}/").status_code == 302
    assert client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get(f"/{team.agency.slug}/").status_code == 200


def test_forgot_password_is_rate_limited(app, client, team):
    with config(app, PASSWORD_RESET_RATE_LIMIT_ACCOUNT="2 per hour"):
        assert _ask(client, team.va.user.email).status_code == 200
        assert _ask(client, team.va.user.email).status_code == 200
        blocked = _ask(client, team.va.user.email)
        assert blocked.status_code == 429
        # An unknown email is limited the same way.
        _ask(client, "ghost@nowhere.test")
        _ask(client, "ghost@nowhere.test")
        assert _ask(client, "ghost@nowhere.test").status_code == 429
    assert len(emails_to(team.va.user.email)) == 2
    with config(app, PASSWORD_RESET_RATE_LIMIT_IP="1 per hour"):
        assert _ask(client, "someone.else@nowhere.test").status_code == 200
        assert _ask(client, "and.another@nowhere.test").status_code == 429


def test_empty_email_names_the_field(client):
    resp = client.post("/forgot-password", data={"email": ""})
    assert resp.status_code == 422
    assert field_error(resp, "email")


def test_login_page_links_to_forgot_password(client):
    assert b'href="/forgot-password"' in client.get("/login").data
    assert client.get("/forgot-password").status_code == 200
