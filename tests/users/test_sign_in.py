"""Signing in and out: server-side sessions, rotation, rate limits, no user enumeration, CSRF."""

from __future__ import annotations

import contextlib

from app.core.tenancy import tenant
from app.extensions import db
from app.users.models import UserSession
from tests.factories import PASSWORD
from tests.helpers import login
from tests.users.support import csrf_from, emails_to, session_id, session_row, signed_in


@contextlib.contextmanager
def config(app, **values):
    """Set app.config values for the block, then put the old ones back."""
    old = {k: app.config.get(k) for k in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(old)


def test_login_rotates_the_server_side_session(app, team, other):
    browser = signed_in(app, team.va.user)
    before = session_id(browser)
    assert before and session_row(before).revoked_at is None
    # Someone else holding that same cookie (a fixed session) ...
    planted = app.test_client()
    planted.set_cookie("session", browser.get_cookie("session").value)
    assert planted.get(f"/{team.agency.slug}/").status_code == 200

    # ... loses it the moment this browser signs in again (here as another person).
    assert login(browser, other.owner.user).status_code == 302
    after = session_id(browser)
    assert after and after != before
    assert session_row(before).revoked_at is not None
    assert session_row(after).revoked_at is None
    assert planted.get(f"/{team.agency.slug}/").status_code == 302
    assert browser.get(f"/{other.agency.slug}/").status_code == 200


def test_login_drops_whatever_the_cookie_carried_before(app, team):
    browser = app.test_client()
    with browser.session_transaction() as sess:
        sess["sid"] = "forged-session-id"
        sess["planted"] = "value"
    assert login(browser, team.va.user).status_code == 302
    with browser.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["sid"] != "forged-session-id"


def test_logout_ends_the_session_on_the_server(app, team):
    browser = signed_in(app, team.va.user)
    sid = session_id(browser)
    old_cookie = browser.get_cookie("session").value
    assert browser.post("/logout").status_code == 302
    assert session_row(sid).revoked_at is not None

    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    resp = replay.get(f"/{team.agency.slug}/")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]
    assert replay.get("/profile").status_code == 302


def test_wrong_password_and_unknown_email_answer_the_same(client, team):
    wrong = client.post("/login", data={"email": team.va.user.email, "password": "not-it-at-all"})
    unknown = client.post("/login", data={"email": "nobody@nowhere.test", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 401
    assert b"Email or password is incorrect." in wrong.data
    assert b"Email or password is incorrect." in unknown.data
    assert db.session.query(UserSession).count() == 0


def test_disabled_everywhere_person_cannot_sign_in(client, team):
    with tenant(team.agency.id):
        team.va.status = "disabled"
        db.session.commit()
    resp = client.post("/login", data={"email": team.va.user.email, "password": PASSWORD})
    assert resp.status_code == 401


def test_login_is_rate_limited_per_account(app, client, team):
    with config(app, LOGIN_RATE_LIMIT_ACCOUNT="3 per minute"):
        for _ in range(3):
            resp = client.post(
                "/login", data={"email": team.va.user.email, "password": "nope-nope"}
            )
            assert resp.status_code == 401
        # Even the right password is refused now, with a clear message.
        blocked = client.post("/login", data={"email": team.va.user.email, "password": PASSWORD})
        assert blocked.status_code == 429
        assert b"Too many sign-in attempts" in blocked.data
        # The limit is per account: another person still signs in from the same place.
        assert login(client, team.qa.user).status_code == 302
        # An unknown email is limited the same way (nothing tells the two apart).
        for _ in range(3):
            client.post("/login", data={"email": "ghost@nowhere.test", "password": "nope-nope"})
        ghost = client.post("/login", data={"email": "ghost@nowhere.test", "password": "x" * 12})
        assert ghost.status_code == 429
        assert b"Too many sign-in attempts" in ghost.data


def test_login_is_rate_limited_per_ip(app, client, team):
    with config(app, LOGIN_RATE_LIMIT_IP="3 per minute", LOGIN_RATE_LIMIT_ACCOUNT="50 per minute"):
        for n in range(3):
            resp = client.post("/login", data={"email": f"x{n}@nowhere.test", "password": "nope"})
            assert resp.status_code == 401
        blocked = client.post("/login", data={"email": team.va.user.email, "password": PASSWORD})
        assert blocked.status_code == 429
        assert b"Too many sign-in attempts" in blocked.data
        assert "Retry-After" in blocked.headers
        other_ip = client.post(
            "/login",
            data={"email": team.va.user.email, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
        assert other_ip.status_code == 302


def test_csrf_is_enforced_on_login(app, team):
    browser = app.test_client()
    with config(app, WTF_CSRF_ENABLED=True):
        page = browser.get("/login")
        token = csrf_from(page.data)
        data = {"email": team.va.user.email, "password": PASSWORD}
        assert browser.post("/login", data=data).status_code == 400
        assert browser.post("/login", data={**data, "csrf_token": token}).status_code == 302


def test_csrf_is_enforced_on_team_actions(app, team):
    browser = app.test_client()
    with config(app, WTF_CSRF_ENABLED=True):
        token = csrf_from(browser.get("/login").data)
        data = {"email": team.owner.user.email, "password": PASSWORD, "csrf_token": token}
        assert browser.post("/login", data=data).status_code == 302
        team_page = browser.get(f"/{team.agency.slug}/team")
        token = csrf_from(team_page.data)
        invite = {"email": "new.va@example.test", "role": "va"}
        refused = browser.post(f"/{team.agency.slug}/team/invite", data=invite)
        assert refused.status_code == 400
        assert emails_to("new.va@example.test") == []
        disable = f"/{team.agency.slug}/team/{team.va.id}/disable"
        assert browser.post(disable).status_code == 400
        ok = browser.post(f"/{team.agency.slug}/team/invite", data={**invite, "csrf_token": token})
        assert ok.status_code == 302
        assert len(emails_to("new.va@example.test")) == 1
        assert browser.post(disable, data={"csrf_token": token}).status_code == 302
