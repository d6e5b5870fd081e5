"""The profile: name, time zone and locale; password change; sessions; personal API tokens."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.core.security import token_hash, verify_password
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import ApiToken, User
from tests.factories import PASSWORD
from tests.helpers import api_token, bearer, login, member
from tests.users.support import count, field_error, fresh, session_id, session_row, signed_in


def test_profile_needs_sign_in(client):
    resp = client.get("/profile")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_update_name_time_zone_and_locale(app, team):
    browser = signed_in(app, team.va.user)
    resp = browser.post(
        "/profile", data={"name": "Rania N.", "time_zone": "Asia/Manila", "locale": "ar"}
    )
    assert resp.status_code == 302
    user = fresh(User, team.va.user_id)
    assert (user.name, user.time_zone, user.locale) == ("Rania N.", "Asia/Manila", "ar")
    page = browser.get("/profile").text
    # The next page speaks the language just chosen: Arabic, right to left.
    assert '<html lang="ar" dir="rtl"' in page
    assert "الأوقات معروضة بتوقيت Asia/Manila" in page


def test_profile_errors_name_the_fields_and_change_nothing(app, team):
    browser = signed_in(app, team.va.user)
    resp = browser.post(
        "/profile", data={"name": "", "time_zone": "Mars/Olympus", "locale": "zz_QQ_x"}
    )
    assert resp.status_code == 422
    for field in ("name", "time_zone", "locale"):
        assert field_error(resp, field), field
    assert fresh(User, team.va.user_id).time_zone == "UTC"
    unknown = browser.post("/profile", data={"name": "X", "time_zone": "UTC", "is_admin": "1"})
    assert unknown.status_code == 422 and field_error(unknown, "is_admin")


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, team):
    phone = signed_in(app, team.va.user)
    laptop = signed_in(app, team.va.user)
    wrong = laptop.post(
        "/profile/password",
        data={"current_password": "not-my-password", "new_password": "a-new-password-1"},
    )
    assert wrong.status_code == 422 and field_error(wrong, "current_password")
    short = laptop.post(
        "/profile/password", data={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422 and field_error(short, "new_password")
    assert phone.get("/profile").status_code == 200

    ok = laptop.post(
        "/profile/password",
        data={"current_password": PASSWORD, "new_password": "a-new-password-1"},
    )
    assert ok.status_code == 302
    assert verify_password(fresh(User, team.va.user_id).password_hash, "a-new-password-1")
    assert phone.get("/profile").status_code == 302
    assert laptop.get("/profile").status_code == 200
    assert login(app.test_client(), team.va.user, "a-new-password-1").status_code == 302


def test_sessions_are_listed_and_others_can_be_signed_out(app, team):
    other_browser = app.test_client()
    login(other_browser, team.va.user)
    browser = app.test_client()
    browser.post(
        "/login",
        data={"email": team.va.user.email, "password": PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    page = browser.get("/profile", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert page.data.count(b'data-testid="session"') == 2
    assert b"Chrome on Windows" in page.data and b"203.0.113.9" in page.data
    assert b"This browser" in page.data

    resp = browser.post("/profile/sessions/revoke-others")
    assert resp.status_code == 302
    assert session_row(session_id(browser)).revoked_at is None
    assert other_browser.get("/profile").status_code == 302
    assert browser.get("/profile").data.count(b'data-testid="session"') == 1


def test_create_an_api_token_shown_once_then_use_and_revoke_it(app, team, other):
    browser = signed_in(app, team.manager.user)
    resp = browser.post("/profile/tokens", data={"name": "Zapier", "agency_id": team.agency.id})
    assert resp.status_code == 201
    raw = re.search(rb'id="new-token-value">([^<]+)<', resp.data).group(1).decode()
    assert raw.startswith("baton_")
    with all_tenants():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "Zapier"))
    assert token.token_hash == token_hash(raw) and token.prefix == raw[:12]
    assert token.agency_id == team.agency.id

    # Listed with its prefix, never in full again.
    page = browser.get("/profile")
    assert raw.encode() not in page.data
    assert token.prefix.encode() in page.data and b"Zapier" in page.data

    api = app.test_client()
    members = api.get(f"/api/v1/{team.agency.slug}/members", headers=bearer(raw))
    assert members.status_code == 200
    assert api.get(f"/api/v1/{other.agency.slug}/members", headers=bearer(raw)).status_code == 404
    assert fresh(ApiToken, token.id).last_used_at is not None
    assert b"never" not in browser.get("/profile").data.split(b'id="api-tokens"')[1]

    assert browser.post(f"/profile/tokens/{token.id}/revoke").status_code == 302
    assert fresh(ApiToken, token.id).revoked_at is not None
    assert api.get(f"/api/v1/{team.agency.slug}/members", headers=bearer(raw)).status_code == 401
    assert b'data-testid="api-token"' not in browser.get("/profile").data


def test_token_only_for_an_agency_the_person_belongs_to(app, team, other):
    browser = signed_in(app, team.va.user)
    for agency_id in (other.agency.id, 999_999, "abc"):
        resp = browser.post("/profile/tokens", data={"name": "Sneaky", "agency_id": agency_id})
        assert resp.status_code == 422 and field_error(resp, "agency_id")
    empty = browser.post("/profile/tokens", data={"name": "", "agency_id": team.agency.id})
    assert empty.status_code == 422 and field_error(empty, "name")
    assert count(ApiToken) == 0


def test_person_with_two_agencies_chooses_the_token_agency(app, team, other):
    member(other.agency, "qa", user=team.va.user)
    db.session.commit()
    browser = signed_in(app, team.va.user)
    page = browser.get("/profile")
    assert b"Cedar Desk (VA)" in page.data and b"Other Agency (QA reviewer)" in page.data
    resp = browser.post("/profile/tokens", data={"name": "Other", "agency_id": other.agency.id})
    assert resp.status_code == 201


def test_revoking_someone_elses_token_is_404(app, team, other):
    theirs = api_token(other.owner)
    colleague = api_token(team.owner)
    db.session.commit()
    with all_tenants():
        ids = [t.id for t in db.session.scalars(sa.select(ApiToken))]
    browser = signed_in(app, team.manager.user)
    for token_id in ids:
        assert browser.post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    assert browser.post("/profile/tokens/999999/revoke").status_code == 404
    assert count(ApiToken, ApiToken.revoked_at.is_not(None)) == 0
    api = app.test_client()
    assert (
        api.get(f"/api/v1/{other.agency.slug}/members", headers=bearer(theirs)).status_code == 200
    )
    assert (
        api.get(f"/api/v1/{team.agency.slug}/members", headers=bearer(colleague)).status_code == 200
    )
