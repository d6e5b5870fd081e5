"""Two-factor: the login step with a real TOTP code, its expiry and rate limit, and setting
it up and turning it off from the profile (also when an agency requires it of owners)."""

from __future__ import annotations

import re
import time

import pyotp

from app.core.security import decrypt_field
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import User
from tests.factories import PASSWORD
from tests.helpers import login
from tests.users.support import enable_totp, field_error, fresh, session_id, signed_in
from tests.users.test_sign_in import config


def test_login_with_2fa_needs_a_real_code(app, client, team):
    secret = enable_totp(app, team.va.user)
    resp = login(client, team.va.user)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/login/2fa")
    # Not signed in yet: the password alone opens nothing.
    assert session_id(client) is None
    assert client.get(f"/{team.agency.slug}/").status_code == 302

    assert client.get("/login/2fa").status_code == 200
    wrong = client.post("/login/2fa", data={"code": "000000"})
    assert wrong.status_code == 422
    assert field_error(wrong, "code")
    assert client.get(f"/{team.agency.slug}/").status_code == 302

    ok = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    assert session_id(client)
    assert client.get(f"/{team.agency.slug}/").status_code == 200
    # The pending state is gone: the step can't be replayed.
    with client.session_transaction() as sess:
        assert "pending_2fa_user" not in sess


def test_2fa_step_keeps_the_next_page(app, client, team):
    secret = enable_totp(app, team.va.user)
    client.post(
        "/login",
        data={"email": team.va.user.email, "password": PASSWORD, "next": "/profile"},
    )
    ok = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert ok.headers["Location"].endswith("/profile")


def test_a_code_from_the_previous_step_still_works(app, client, team):
    secret = enable_totp(app, team.va.user)
    login(client, team.va.user)
    previous = pyotp.TOTP(secret).at(time.time() - 30)
    assert client.post("/login/2fa", data={"code": previous}).status_code == 302


def test_2fa_step_expires_after_five_minutes(app, client, team):
    secret = enable_totp(app, team.va.user)
    login(client, team.va.user)
    with client.session_transaction() as sess:
        sess["pending_2fa_at"] -= 301
    resp = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/login")
    assert session_id(client) is None
    assert client.get("/login/2fa").status_code == 302


def test_2fa_step_without_a_password_first_goes_to_login(client):
    resp = client.get("/login/2fa")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/login")


def test_wrong_codes_count_towards_the_account_limit(app, client, team):
    secret = enable_totp(app, team.va.user)
    with config(app, LOGIN_RATE_LIMIT_ACCOUNT="3 per minute"):
        assert login(client, team.va.user).status_code == 302  # 1st hit: the password
        assert client.post("/login/2fa", data={"code": "111111"}).status_code == 422
        assert client.post("/login/2fa", data={"code": "222222"}).status_code == 422
        blocked = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
        assert blocked.status_code == 429
        assert b"Too many sign-in attempts" in blocked.data
        # ... and the password step of the same account is blocked too.
        again = client.post("/login", data={"email": team.va.user.email, "password": PASSWORD})
        assert again.status_code == 429


def test_setup_2fa_from_the_profile(app, team):
    browser = signed_in(app, team.va.user)
    profile = browser.get("/profile")
    assert profile.status_code == 200
    assert b'id="two-factor"' in profile.data

    page = browser.get("/profile/2fa/setup")
    assert page.status_code == 200
    assert b"<svg" in page.data  # the QR code, inline
    assert b"<img" not in page.data.split(b"<main")[1]
    user = fresh(User, team.va.user_id)
    secret = decrypt_field(app.config["SECRET_KEY"], user.totp_secret)
    assert secret and secret not in user.totp_secret  # stored encrypted
    shown = re.search(rb'data-testid="totp-secret">([A-Z2-7 ]+)<', page.data).group(1)
    assert shown.decode().replace(" ", "") == secret
    assert user.totp_enabled_at is None  # not on until confirmed
    # Reloading keeps the same secret (an already scanned code stays valid).
    browser.get("/profile/2fa/setup")
    assert decrypt_field(app.config["SECRET_KEY"], fresh(User, user.id).totp_secret) == secret

    bad = browser.post("/profile/2fa/setup", data={"code": "123456"})
    assert bad.status_code == 422
    assert field_error(bad, "code")
    assert fresh(User, user.id).totp_enabled_at is None

    ok = browser.post("/profile/2fa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    assert fresh(User, user.id).totp_enabled_at is not None

    # The next sign-in asks for a code.
    other = app.test_client()
    assert login(other, team.va.user).headers["Location"].endswith("/login/2fa")


def test_turning_2fa_off_needs_a_valid_code(app, team):
    secret = enable_totp(app, team.va.user)
    browser = app.test_client()
    login(browser, team.va.user)
    browser.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})

    bad = browser.post("/profile/2fa/disable", data={"code": "000000"})
    assert bad.status_code == 422
    assert field_error(bad, "code")
    assert fresh(User, team.va.user_id).totp_enabled_at is not None

    # The sign-in used this step's code; a code works once, so take the next step's.
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    ok = browser.post("/profile/2fa/disable", data={"code": next_code})
    assert ok.status_code == 302
    user = fresh(User, team.va.user_id)
    assert user.totp_enabled_at is None and user.totp_secret is None


def test_owner_required_to_use_2fa_is_sent_to_set_it_up(app, team):
    with all_tenants():
        team.agency.require_owner_2fa = True
        db.session.commit()
    browser = signed_in(app, team.owner.user)
    resp = browser.get(f"/{team.agency.slug}/team")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/profile#two-factor")
    profile = browser.get("/profile")
    assert b"requires owners to turn this on" in profile.data

    browser.get("/profile/2fa/setup")
    secret = decrypt_field(app.config["SECRET_KEY"], fresh(User, team.owner.user_id).totp_secret)
    assert (
        browser.post("/profile/2fa/setup", data={"code": pyotp.TOTP(secret).now()}).status_code
        == 302
    )
    assert browser.get(f"/{team.agency.slug}/team").status_code == 200

    # While the agency requires it, the owner can't turn it off.
    off = browser.post(
        "/profile/2fa/disable", data={"code": pyotp.TOTP(secret).at(time.time() + 30)}
    )
    assert off.status_code == 409
    assert fresh(User, team.owner.user_id).totp_enabled_at is not None
    # Other roles are not affected.
    assert signed_in(app, team.va.user).get(f"/{team.agency.slug}/").status_code == 200


def test_a_code_that_signed_in_once_is_refused_the_second_time(app, client, team):
    secret = enable_totp(app, team.va.user)
    code = pyotp.TOTP(secret).now()
    login(client, team.va.user)
    assert client.post("/login/2fa", data={"code": code}).status_code == 302
    client.post("/logout")
    # Someone who watched the code being typed tries it again within its 30 seconds.
    other = app.test_client()
    login(other, team.va.user)
    replay = other.post("/login/2fa", data={"code": code})
    assert replay.status_code == 422
    assert field_error(replay, "code")
    assert other.get(f"/{team.agency.slug}/").status_code == 302
