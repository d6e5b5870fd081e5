"""The first journey: start an agency, confirm the email, land on its dashboard, sign out and
back in."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.agencies.models import Agency
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Membership


def test_signup_creates_agency_and_owner_then_login_works(client):
    resp = client.post(
        "/signup",
        data={
            "agency_name": "Cedar Desk",
            "name": "Lina Farouk",
            "email": "Lina@Cedar.test",
            "password": "a-long-password",
            "time_zone": "Africa/Cairo",
        },
    )
    # Nothing exists until the emailed link is used.
    assert resp.status_code == 200 and b"Check your email" in resp.data
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 0
    [email] = db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.to_addr == "lina@cedar.test")
    ).all()
    link = re.search(r"https?://\S+(/signup/confirm/\S+)", email.text_body).group(1)
    assert b"Create Cedar Desk" in client.get(link).data
    resp = client.post(link)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/cedar-desk/")
    page = client.get("/cedar-desk/")
    assert page.status_code == 200
    assert b"Cedar Desk" in page.data
    with all_tenants():
        agency = db.session.scalar(sa.select(Agency).where(Agency.slug == "cedar-desk"))
        roles = db.session.scalars(
            sa.select(Membership.role).where(Membership.agency_id == agency.id)
        ).all()
    assert roles == ["owner"]

    client.post("/logout")
    assert client.get("/cedar-desk/").status_code == 302
    resp = client.post("/login", data={"email": "lina@cedar.test", "password": "a-long-password"})
    assert resp.status_code == 302
    assert client.get("/cedar-desk/").status_code == 200


def test_signup_with_bad_fields_names_each_and_creates_nothing(client):
    resp = client.post(
        "/signup",
        data={
            "agency_name": "",
            "name": "X",
            "email": "nope",
            "password": "short",
            "time_zone": "Mars/Base",
        },
    )
    assert resp.status_code == 422
    for field in ("agency_name", "email", "password", "time_zone"):
        assert f'data-field-error="{field}"'.encode() in resp.data
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 0


def test_assignment_factory_makes_a_va_in_the_clients_agency():
    from app.clients.models import Assignment
    from tests.factories import AssignmentFactory

    assignment: Assignment = AssignmentFactory()
    assert assignment.membership.agency_id == assignment.client.agency_id
    assert assignment.membership.role == "va"
