"""Sign-up answers the same whether or not the email has an account: every sign-up is
confirmed by email. A new email gets a link that creates the agency (once, within 24 hours);
an existing account is told someone tried, and nothing is created."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
import time_machine

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import SignupRequest, User
from tests.users.support import emails_to

FORM = {
    "agency_name": "Quill Desk",
    "name": "Noor Haddad",
    "password": "a-long-password",
    "time_zone": "Asia/Amman",
}


def _agencies() -> int:
    with all_tenants():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Agency))


def _sign_up(client, email: str):
    return client.post("/signup", data={**FORM, "email": email})


def _link(email) -> str:
    return re.search(r"https?://\S+(/signup/confirm/\S+)", email.text_body).group(1)


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(app, client, team):
    agencies = _agencies()
    taken = team.va.user.email
    known = _sign_up(app.test_client(), taken.upper())
    new = _sign_up(app.test_client(), "noor@quill.test")
    assert known.status_code == new.status_code == 200
    # Equal but for the address and the session's own CSRF token (the language switch).
    token = re.compile(r'name="csrf_token" value="[^"]+"')
    known_page = token.sub("TOKEN", known.get_data(as_text=True).replace(taken.upper(), "EMAIL"))
    new_page = token.sub("TOKEN", new.get_data(as_text=True).replace("noor@quill.test", "EMAIL"))
    assert known_page == new_page
    assert "Check your email" in new_page and "exists" not in new_page
    assert _agencies() == agencies  # nothing is created before the link is used

    # The existing account is told, with a way in; no link to create anything.
    (notice,) = emails_to(taken)
    assert "Quill Desk" in notice.text_body and "already have an account" in notice.text_body
    assert "/forgot-password" in notice.text_body and "/signup/confirm/" not in notice.text_body
    # The new email gets the link.
    (confirm,) = emails_to("noor@quill.test")
    assert "/signup/confirm/" in confirm.text_body
    with all_tenants():
        hashes = db.session.scalars(sa.select(SignupRequest.password_hash)).all()
    assert "a-long-password" not in str(hashes)


def test_the_link_creates_the_agency_once_and_signs_the_owner_in(app, client):
    _sign_up(client, "Noor@Quill.test")
    (confirm,) = emails_to("noor@quill.test")
    link = _link(confirm)
    page = client.get(link)
    assert page.status_code == 200 and b"Create Quill Desk" in page.data
    assert _agencies() == 0  # opening the link (a mail scanner, say) creates nothing
    resp = client.post(link)
    assert resp.status_code == 302 and resp.location.endswith("/quill-desk/")
    assert client.get("/quill-desk/").status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "noor@quill.test"))
    assert (user.name, user.time_zone) == ("Noor Haddad", "Asia/Amman")
    again = app.test_client().post(link)
    assert again.status_code == 410 and _agencies() == 1
    with all_tenants():
        assert db.session.scalar(sa.select(SignupRequest.password_hash)) is None
    # The password chosen at sign-up signs in.
    fresh = app.test_client()
    login = fresh.post("/login", data={"email": "noor@quill.test", "password": "a-long-password"})
    assert login.status_code == 302


def test_the_link_expires_after_24_hours(app, client):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        _sign_up(client, "late@quill.test")
    link = _link(emails_to("late@quill.test")[0])
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        assert client.get(link).status_code == 410
        assert client.post(link).status_code == 410
    assert _agencies() == 0
    assert app.test_client().get("/signup/confirm/not-a-token").status_code == 404


def test_two_sign_ups_for_one_email_create_one_account(app, client):
    _sign_up(client, "twice@quill.test")
    _sign_up(app.test_client(), "twice@quill.test")
    first, second = (_link(e) for e in emails_to("twice@quill.test"))
    assert client.post(first).status_code == 302
    late = app.test_client().post(second)
    assert late.status_code == 409 and b"already has an account" in late.data
    assert _agencies() == 1
