"""The owner's cockpit in a real browser: the dashboard's tiles, the margin page whose
twelve-month chart is fetched after the page, the calendar's week with the VA's work on it,
and a paid payout statement whose PDF the owner has made and downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from app.agencies.models import Agency
from app.core.clock import today_in
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.core.uow import commit
from app.extensions import db
from app.payouts.generation import generate_period
from app.payouts.queries import period_of
from app.payouts.services import mark_paid, review_statement
from app.time.models import TimeEntry
from tests.browser.conftest import LiveServer
from tests.browser.test_work_loop import Person
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
    WorkItemFactory,
)


def _world() -> dict:
    agency = AgencyFactory(name="Juniper Desk", slug="juniper-desk", base_currency="USD")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Olivia Owner"))
    va = MembershipFactory(
        agency=agency, role="va", user=UserFactory(name="Vera VA"),
        cost_rate_minor=1250, cost_currency="USD",
    )  # fmt: skip
    client = ClientFactory(agency=agency, name="Harbour Bakery", currency="USD")
    AssignmentFactory(client=client, membership=va)
    today = today_in(agency.time_zone)
    due = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(15), dt.UTC)
    WorkItemFactory(client=client, title="Payroll run", assignee_id=va.id, due_at=due)
    with tenant(agency.id):
        db.session.add(
            TimeEntry(
                membership_id=va.id, client_id=client.id, billable=True, entry_date=today,
                duration_seconds=7200, zone="UTC", approved_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
        db.session.flush()
        actor = Actor(user=owner.user, agency=db.session.get(Agency, agency.id), membership=owner)
        (statement,) = generate_period(actor, period_of(today))
        review_statement(actor, statement)
        mark_paid(
            actor,
            statement,
            {"amount": "25.00", "paid_on": today, "method": "bank_transfer", "reference": "T-1"},
        )
        world = {"email": owner.user.email, "statement_id": statement.id}
        commit()
    return world


@pytest.mark.no_db
def test_the_owner_opens_the_cockpit_the_calendar_and_a_payout_pdf(
    live_server: LiveServer, browser
):
    world = _world()
    owner = Person(browser, live_server, world["email"])
    page = owner.page

    owner.go("/juniper-desk/")
    for key in ("workload", "deadlines", "quality", "receivables", "margin", "payouts",
                "forecast", "response_promise"):  # fmt: skip
        expect(page.locator(f"[data-testid=cockpit] a[data-testid=tile-{key}]")).to_have_count(1)
    expect(page.locator("[data-testid=tile-payouts] [data-testid=tile-value]")).to_have_text(
        "0 statements"
    )  # the only one is paid

    owner.go("/juniper-desk/margin")
    expect(page.locator("canvas[data-testid=margin-chart]")).to_have_attribute(
        "data-loaded", "true"
    )

    owner.go("/juniper-desk/calendar?view=week")
    expect(page.locator("main", has_text="Payroll run").first).to_be_visible()

    owner.go(f"/juniper-desk/payouts/{world['statement_id']}")
    expect(page.locator("[data-testid=statement-state]")).to_have_text("Paid")
    with page.expect_navigation():
        page.click("text=Make the PDF again")
    page.reload()
    link = page.locator("[data-testid=statement-pdf]")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    owner.context.close()
