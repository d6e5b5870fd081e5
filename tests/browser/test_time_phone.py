"""The timer on a phone (390 px): the menu is collapsed, yet a VA sees a Start button in the
top bar, starts a timer from the Start-a-timer page it opens, watches it tick beside the
menu button on every page and stops it there, all without opening the menu."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.time.models import TimeEntry
from tests.browser.test_work_loop import Person
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
)

PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(os.environ.get("BATON_ARTIFACTS", "test-artifacts")) / "screens" / "time-phone"


def _inside_the_screen(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.no_db
def test_a_va_starts_and_stops_a_timer_on_a_phone_without_opening_the_menu(live_server, browser):
    agency = AgencyFactory(name="Palm Assist", slug="palm")
    va = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Omar Reyes"))
    client = ClientFactory(agency=agency, name="Harbour Bakery Ltd")
    AssignmentFactory(client=client, membership=va)
    email, client_id, va_id = va.user.email, client.id, va.id
    db.session.commit()

    person = Person(browser, live_server, email)
    page = person.page
    page.set_viewport_size(PHONE)
    person.go(f"/palm/clients/{client_id}")
    assert page.locator("#mainnav").is_hidden()  # the menu is collapsed
    assert page.locator("#timer-bar").is_hidden()  # the wide bar lives in it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "start.png"))
    start = page.locator("[data-testid=timer-mini-start]")
    assert start.is_visible() and _inside_the_screen(page, "[data-testid=timer-mini-start]")

    with page.expect_navigation():
        start.click()
    assert "/palm/time/timer/start" in page.url
    page.select_option("#f-client_id", str(client_id))
    with page.expect_navigation():
        page.click("[data-testid=timer-start-submit]")
    assert page.url.endswith(f"/palm/clients/{client_id}")  # back where the VA was
    assert "Timer started for Harbour Bakery Ltd." in page.content()

    running = page.locator("[data-testid=timer-mini-running]")
    assert running.is_visible() and page.locator("#mainnav").is_hidden()
    page.wait_for_function(
        "() => /^0:00:0[1-9]$/.test("
        "document.querySelector('#timer-mini .timer-elapsed').textContent)"
    )
    page.screenshot(path=str(ARTIFACTS / "running.png"))
    stop = page.locator("[data-testid=timer-mini-stop]")
    assert stop.is_visible() and _inside_the_screen(page, "[data-testid=timer-mini-stop]")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the top bar runs {overflow} px off the phone"

    with page.expect_navigation():
        stop.click()
    assert "Timer stopped" in page.content()
    assert page.locator("[data-testid=timer-mini-start]").is_visible()
    with all_tenants():
        entries = db.session.execute(
            sa.select(TimeEntry.client_id, TimeEntry.ended_at).where(
                TimeEntry.membership_id == va_id
            )
        ).all()
    assert len(entries) == 1 and entries[0].client_id == client_id
    assert entries[0].ended_at is not None
    person.context.close()
