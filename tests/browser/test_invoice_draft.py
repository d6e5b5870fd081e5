"""A draft invoice in a real browser: "Issue & send" follows the lines added and removed
inline (htmx swaps the editor) without reloading the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.conftest import LiveServer
from tests.browser.test_work_loop import Person
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory, UserFactory
from tests.invoices.pdf_helpers import make_invoice


@pytest.mark.no_db
def test_issue_button_turns_on_when_a_line_is_added_inline(live_server: LiveServer, browser):
    agency = AgencyFactory(name="Draft Agency", slug="draft-agency")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Olivia"))
    client = ClientFactory(agency=agency, name="Harbour Bakery", currency="USD")
    invoice = make_invoice(client, lines=[], status="draft")
    email, invoice_id = owner.user.email, invoice.id
    db.session.commit()

    person = Person(browser, live_server, email)
    page = person.page
    person.go(f"/draft-agency/invoices/{invoice_id}")
    issue = page.locator("[data-testid=issue]")
    assert issue.is_disabled()

    page.fill("#f-line-description", "Inbox management")
    page.fill("#f-line-quantity", "2")
    page.fill("#f-line-unit_price", "45.00")
    loads = []
    page.on("load", lambda _page: loads.append(1))
    page.locator("[data-testid=line-form] button[type=submit]").click()
    page.locator("#invoice-editor", has_text="Inbox management").wait_for()
    expect(issue).to_be_enabled()

    # Removing the only line turns it off again, still without a reload.
    page.locator("button:has-text('Remove line 1')").click()
    expect(page.locator("#invoice-editor", has_text="Inbox management")).to_have_count(0)
    expect(issue).to_be_disabled()
    assert loads == [], "the page was reloaded"
    person.context.close()
