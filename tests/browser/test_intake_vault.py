"""A new client's contact fills the intake form in the portal, with a login to one of their
tools; the VA assigned to the client reveals that password after confirming who they are;
another VA of the agency cannot reach it. In a real browser, CSRF on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.extensions import db
from app.intake.services import create_questionnaire, send_questionnaire
from app.vault.models import VaultEntry
from tests.browser.test_work_loop import PASSWORD, Person
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    UserFactory,
)

SLUG = "juniper-desk"
SECRET = "Sandbox-Ledger-9137!"


def _world() -> dict:
    agency = AgencyFactory(name="Juniper Desk", slug=SLUG, time_zone="UTC")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Odile Marsh"))
    va = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Rafael Ortiz"))
    other = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Ines Duarte"))
    client = ClientFactory(agency=agency, name="Cedar Freight", status="onboarding")
    AssignmentFactory(client=client, membership=va)
    contact = MembershipFactory(
        agency=agency, role="client", client_id=client.id, user=UserFactory(name="Pia Lund")
    )
    ContactFactory(
        client=client, name="Pia Lund", email=contact.user.email, membership_id=contact.id
    )
    with tenant(agency.id):
        actor = Actor(user=owner.user, agency=agency, membership=owner)
        questionnaire = create_questionnaire(
            actor,
            {
                "name": "New client intake",
                "questions": [
                    {"label": "Who approves our work?", "kind": "text", "required": True},
                    {"label": "Your accounting tool", "kind": "tool_login", "required": True},
                ],
            },
        )
        request, _new = send_questionnaire(actor, client, questionnaire.id)
        keys = [q["key"] for q in questionnaire.latest.questions]
    world = {
        "agency_id": agency.id,
        "client_id": client.id,
        "request_id": request.id,
        "keys": keys,
        "contact": contact.user.email,
        "va": va.user.email,
        "other": other.user.email,
    }
    commit()
    return world


@pytest.mark.no_db
def test_intake_login_is_revealed_by_the_assigned_va_only(live_server, browser):
    world = _world()
    text_key, login_key = world["keys"]

    # 1. the client's contact answers in the portal, the tool's password included
    contact = Person(browser, live_server, world["contact"])
    contact.go(f"/{SLUG}/portal/intake/{world['request_id']}")
    page = contact.page
    page.fill(f"#f-{text_key}", "Pia Lund, operations")
    page.fill(f"[name='{login_key}.tool']", "Ledgerly")
    page.fill(f"[name='{login_key}.url']", "https://app.ledgerly.example")
    page.fill(f"[name='{login_key}.username']", "pia@cedarfreight.example")
    page.fill(f"[name='{login_key}.password']", SECRET)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login" not in page.url
    expect(page.locator("[data-testid=form-alert], .invalid-feedback")).to_have_count(0)
    with all_tenants():
        entry = db.session.scalar(
            sa.select(VaultEntry).where(VaultEntry.client_id == world["client_id"])
        )
        assert entry is not None and entry.name == "Ledgerly"
        assert SECRET.encode() not in entry.secret_ciphertext
    contact.context.close()

    # 2. the assigned VA: the login is listed without its password; revealing it first asks
    # who they are, then shows it once
    va = Person(browser, live_server, world["va"])
    va.go(f"/{SLUG}/clients/{world['client_id']}/logins")
    row = va.page.locator("[data-testid=vault-entry]", has_text="Ledgerly")
    expect(row).to_contain_text("pia@cedarfreight.example")
    assert SECRET not in va.page.content()
    with va.page.expect_navigation():
        row.locator("button", has_text="Reveal password").click()
    assert "/confirm-identity" in va.page.url, va.page.url
    va.page.fill("#f-password", "not my password")
    with va.page.expect_navigation():
        va.page.click("main form button[type=submit]")
    assert "/confirm-identity" in va.page.url  # a wrong password confirms nothing
    va.page.fill("#f-password", PASSWORD)
    with va.page.expect_navigation():
        va.page.click("main form button[type=submit]")
    assert va.page.url.endswith(f"/clients/{world['client_id']}/logins"), va.page.url
    row = va.page.locator("[data-testid=vault-entry]", has_text="Ledgerly")
    with va.page.expect_navigation():
        row.locator("button", has_text="Reveal password").click()
    expect(va.page.locator("[data-testid=vault-secret]")).to_have_text(SECRET)
    va.context.close()

    # 3. another VA of the agency, not assigned to the client, reaches neither the list
    # nor the password
    other = Person(browser, live_server, world["other"])
    resp = other.page.goto(f"{live_server.url}/{SLUG}/clients/{world['client_id']}/logins")
    assert resp.status == 404
    assert SECRET not in other.page.content()
    other.context.close()
