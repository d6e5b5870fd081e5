"""Invitations from the invited person's side: a new person joins, an existing person joins
(keeping their other agencies), and used, revoked or expired links give a clear page."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
import time_machine

from app.core.clock import utcnow
from app.core.security import token_hash
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Invitation, Membership, User
from tests.factories import PASSWORD
from tests.helpers import login
from tests.users.support import count, emails_to, field_error, link_path, signed_in


def _invite(app, team, email: str, role: str = "va", **extra) -> str:
    """Invite through the team page as the owner; returns the link's path from the email."""
    browser = signed_in(app, team.owner.user)
    resp = browser.post(
        f"/{team.agency.slug}/team/invite", data={"email": email, "role": role, **extra}
    )
    assert resp.status_code == 302, resp.data[:500]
    return link_path(emails_to(email.lower())[-1], "/invite/")


def _invitation(email: str) -> Invitation:
    with all_tenants():
        return db.session.scalar(
            sa.select(Invitation)
            .where(Invitation.email == email)
            .order_by(Invitation.id.desc())
            .execution_options(populate_existing=True)
        )


def _membership(agency_id: int, user_id: int) -> Membership | None:
    with all_tenants():
        return db.session.scalar(
            sa.select(Membership).where(
                Membership.agency_id == agency_id, Membership.user_id == user_id
            )
        )


def test_invitation_email_carries_a_single_use_link_stored_hashed(app, team):
    path = _invite(app, team, "amal@example.test", "qa")
    (email,) = emails_to("amal@example.test")
    assert email.from_name == team.agency.name
    assert "Cedar Desk" in email.subject and "Cedar Desk" in email.text_body
    assert "QA reviewer" in email.text_body and email.html_body and path in email.html_body
    assert email.text_body.startswith("Hello") and app.config["BASE_URL"] in email.text_body
    raw = path.rsplit("/", 1)[1]
    invitation = _invitation("amal@example.test")
    assert invitation.token_hash == token_hash(raw)
    ttl = dt.timedelta(hours=app.config["INVITATION_TTL_HOURS"])
    assert abs(invitation.expires_at - utcnow() - ttl) < dt.timedelta(minutes=1)


def test_a_new_person_joins_and_is_signed_in(app, team):
    path = _invite(app, team, "amal@example.test", "qa")
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200
    assert b"Join Cedar Desk</h1>" in page.data and b"QA reviewer" in page.data
    assert b"Europe/London" in page.data or b"GMT" in page.data  # expiry in the agency's zone

    bad = browser.post(path, data={"name": "", "password": "short", "time_zone": "Mars/Base"})
    assert bad.status_code == 422
    for field in ("name", "password", "time_zone"):
        assert field_error(bad, field)
    assert count(User, User.email == "amal@example.test") == 0

    resp = browser.post(
        path, data={"name": "Amal Haddad", "password": "a-good-password", "time_zone": "Asia/Amman"}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/{team.agency.slug}/")
    assert browser.get(f"/{team.agency.slug}/").status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "amal@example.test"))
    assert user.name == "Amal Haddad" and user.time_zone == "Asia/Amman"
    assert _membership(team.agency.id, user.id).role == "qa"
    assert _invitation("amal@example.test").accepted_at is not None
    assert login(app.test_client(), user, "a-good-password").status_code == 302

    # Single use: the same link now says so, and creates nothing.
    used = app.test_client().get(path)
    assert used.status_code == 410
    assert b"already been used" in used.data
    replay = app.test_client().post(
        path, data={"name": "Eve", "password": "another-password", "time_zone": "UTC"}
    )
    assert replay.status_code == 410
    assert count(User, User.email == "amal@example.test") == 1


def test_an_existing_person_signs_in_then_accepts_and_keeps_other_agencies(app, team, other):
    person = other.va.user
    path = _invite(app, team, person.email.upper(), "va")
    anonymous = app.test_client()
    page = anonymous.get(path)
    assert page.status_code == 200
    assert b"Sign in as" in page.data
    assert anonymous.post(path).status_code == 403
    assert _membership(team.agency.id, person.id) is None

    # Signed in as somebody else: not accepted for them.
    stranger = signed_in(app, team.qa.user)
    assert stranger.post(path).status_code == 403
    assert _membership(team.agency.id, team.qa.user_id).role == "qa"

    browser = app.test_client()
    resp = browser.post("/login", data={"email": person.email, "password": PASSWORD, "next": path})
    assert resp.headers["Location"].endswith(path)
    assert b"Accept and join" in browser.get(path).data
    assert browser.post(path).status_code == 302
    assert _membership(team.agency.id, person.id).role == "va"
    assert _membership(other.agency.id, person.id).status == "active"
    assert browser.get(f"/{team.agency.slug}/").status_code == 200
    assert browser.get(f"/{other.agency.slug}/").status_code == 200
    assert browser.post(path).status_code == 410


def test_client_invitation_creates_a_client_login(app, team):
    path = _invite(app, team, "owner@bakery.test", "client", client_id=str(team.client_id))
    browser = app.test_client()
    resp = browser.post(
        path, data={"name": "Baker", "password": "a-good-password", "time_zone": "Africa/Cairo"}
    )
    assert resp.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "owner@bakery.test"))
    m = _membership(team.agency.id, user.id)
    assert (m.role, m.client_id) == ("client", team.client_id)


def test_expired_and_revoked_links_give_a_clear_page(app, team):
    path = _invite(app, team, "late@example.test")
    invitation = _invitation("late@example.test")
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    with all_tenants():
        db.session.commit()
    expired = app.test_client().get(path)
    assert expired.status_code == 410 and b"expired" in expired.data
    posted = app.test_client().post(
        path, data={"name": "Late", "password": "a-good-password", "time_zone": "UTC"}
    )
    assert posted.status_code == 410
    assert count(User, User.email == "late@example.test") == 0

    path = _invite(app, team, "withdrawn@example.test")
    owner = signed_in(app, team.owner.user)
    invitation = _invitation("withdrawn@example.test")
    owner.post(f"/{team.agency.slug}/team/invitations/{invitation.id}/revoke")
    revoked = app.test_client().get(path)
    assert revoked.status_code == 410 and b"withdrawn" in revoked.data

    unknown = app.test_client().get("/invite/not-a-token")
    assert unknown.status_code == 404 and b"not valid" in unknown.data


def test_reinviting_replaces_the_pending_invitation(app, team):
    first = _invite(app, team, "twice@example.test", "va")
    second = _invite(app, team, "twice@example.test", "qa")
    assert first != second
    assert app.test_client().get(first).status_code == 410
    page = app.test_client().get(second)
    assert page.status_code == 200 and b"QA reviewer" in page.data
    with all_tenants():
        states = sorted(
            i.state
            for i in db.session.scalars(
                sa.select(Invitation).where(Invitation.email == "twice@example.test")
            )
        )
    assert states == ["pending", "revoked"]


def test_the_same_invitation_twice_within_a_minute_is_sent_once(app, team):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        first = _invite(app, team, "double@example.test", "va")
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        browser = signed_in(app, team.owner.user)
        resp = browser.post(
            f"/{team.agency.slug}/team/invite", data={"email": "double@example.test", "role": "va"}
        )
        assert resp.status_code == 302
    assert len(emails_to("double@example.test")) == 1
    assert app.test_client().get(first).status_code == 200
    # A minute later the same invitation is a deliberate re-send: a new link, a new email.
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        second = _invite(app, team, "double@example.test", "va")
    assert second != first and len(emails_to("double@example.test")) == 2
    assert app.test_client().get(first).status_code == 410


def test_a_person_disabled_everywhere_can_still_accept_a_new_invitation(app, team, other):
    person = other.va.user
    with all_tenants():
        other.va.status = "disabled"
        db.session.commit()
    assert (
        app.test_client()
        .post("/login", data={"email": person.email, "password": PASSWORD})
        .status_code
        == 401
    )
    path = _invite(app, team, person.email, "va")
    browser = app.test_client()
    resp = browser.post("/login", data={"email": person.email, "password": PASSWORD, "next": path})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(path)
    assert browser.get(f"/{other.agency.slug}/").status_code == 404
    assert browser.post(path).status_code == 302
    assert browser.get(f"/{team.agency.slug}/").status_code == 200
    assert _membership(other.agency.id, person.id).status == "disabled"


def test_a_client_contact_starts_in_their_clients_time_zone_and_locale(app, team):
    from tests.factories import ClientFactory

    client = ClientFactory(agency=team.agency, time_zone="Asia/Tokyo", locale="ja_JP")
    path = _invite(app, team, "kenji@sakura.test", "client", client_id=str(client.id))
    (email,) = emails_to("kenji@sakura.test")
    assert "Asia/Tokyo" in email.text_body and "JST" in email.text_body  # expiry there
    browser = app.test_client()
    page = browser.get(path).get_data(as_text=True)
    assert 'name="time_zone"' in page
    assert re.search(r'name="time_zone"[^>]*value="Asia/Tokyo"', page), "prefilled zone"
    resp = browser.post(
        path, data={"name": "Kenji", "password": "a-good-password", "time_zone": "Asia/Tokyo"}
    )
    assert resp.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "kenji@sakura.test"))
    assert (user.time_zone, user.locale) == ("Asia/Tokyo", "ja_JP")
    # A team member still starts in the agency's zone.
    path = _invite(app, team, "amal@example.test", "qa")
    page = app.test_client().get(path).get_data(as_text=True)
    assert re.search(r'name="time_zone"[^>]*value="Europe/London"', page)


def test_a_team_member_starts_in_the_language_their_invitation_was_written_in(app, team):
    team.owner.user.locale = "fr"
    db.session.commit()
    path = _invite(app, team, "amal@example.test", "qa")
    (email,) = emails_to("amal@example.test")
    assert "Accepter l’invitation" in email.html_body  # the inviter's language
    resp = app.test_client().post(
        path, data={"name": "Amal", "password": "a-good-password", "time_zone": "Europe/Paris"}
    )
    assert resp.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "amal@example.test"))
    assert (user.time_zone, user.locale) == ("Europe/Paris", "fr")
