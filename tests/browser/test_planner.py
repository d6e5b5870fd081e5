"""The week planner in a real browser, as an agency owner: from the team's heat map to a
VA's week, a work item dragged onto a half-hour slot becomes a block, the block dragged to
another slot moves, its Remove button takes it away; on a phone the week fits the screen
and the plan form plans a block.

The clock is frozen on Wednesday 4 March 2026 (tests.capacity.support.NOW): the VA works
09:00-17:00 Monday to Friday in Manila, and Thursday 5 and Friday 6 March are no public
holidays in the Philippines, so the slots used are inside the VA's working time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from app.core.uow import commit
from tests.browser.conftest import LiveServer
from tests.browser.test_work_loop import Person
from tests.capacity.support import NOW, set_hours
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
    WorkItemFactory,
)

SLUG = "tamarind-desk"
WEEK = "2026-03-02"  # the Monday of NOW's week
THURSDAY, FRIDAY = "2026-03-05", "2026-03-06"
DESKTOP = {"width": 1600, "height": 1200}
PHONE = {"width": 390, "height": 844}


def _world() -> dict:
    agency = AgencyFactory(name="Tamarind Desk", slug=SLUG, time_zone="UTC")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Odette Lam"))
    va = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Marisol Cruz"))
    set_hours(va, zone="Asia/Manila", country="PH")  # 09:00-17:00 Manila, Monday to Friday
    client = ClientFactory(
        agency=agency, name="Harbour Bakery", currency="USD", time_zone="America/New_York"
    )
    AssignmentFactory(client=client, membership=va)
    WorkItemFactory(
        client=client,
        assignee_id=va.id,
        title="Quarterly VAT return",
        estimate_minutes=600,
        due_at=dt.datetime(2026, 3, 20, 17, tzinfo=dt.UTC),
    )
    calls = WorkItemFactory(
        client=client,
        assignee_id=va.id,
        title="Supplier onboarding calls",
        estimate_minutes=None,  # no estimate yet: only its blocks count as planned time
        due_at=dt.datetime(2026, 3, 27, 17, tzinfo=dt.UTC),
    )
    world = {"email": owner.user.email, "va_id": va.id, "item_id": calls.id}
    commit()
    return world


def _slot(page, day: str, start: str):
    return page.locator(
        f'[data-testid=planner-slot][data-drop-day="{day}"][data-drop-start="{start}"]'
    )


def _minutes(text: str) -> int:
    """The planned minutes of the summary's "3 h 20 min planned of 40 h"."""
    planned = text.split("planned")[0]
    hours = re.search(r"(\d+)\s*h", planned)
    minutes = re.search(r"(\d+)\s*m", planned)
    assert hours or minutes, text
    return (int(hours.group(1)) if hours else 0) * 60 + (int(minutes.group(1)) if minutes else 0)


def _drag(page, source, target) -> None:
    """Drag `source` onto `target` and wait for the page the submitted form leads to."""
    expect(source).to_be_in_viewport()
    expect(target).to_be_in_viewport()
    with page.expect_navigation():
        source.drag_to(target)


def _planned(page) -> int:
    return _minutes(page.locator("[data-testid=planner-summary]").inner_text())


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.mark.no_db
def test_the_owner_plans_moves_and_removes_a_block_by_dragging(
    live_server: LiveServer, browser, frozen
):
    world = _world()
    owner = Person(browser, live_server, world["email"])
    page = owner.page
    # a desktop screen on which the week and the open items show side by side, so a drag's
    # both ends are on screen (Playwright's drag_to fires the HTML5 drag events in Chromium,
    # but a drag that has to scroll the page on its way is lost)
    page.set_viewport_size(DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())  # should Remove ever ask first

    # 1. the heat map's cell of the VA for this week opens the VA's planner of that week
    owner.go(f"/{SLUG}/capacity/workload")
    row = page.locator("[data-testid=workload-row]", has_text="Marisol Cruz")
    with page.expect_navigation():
        row.locator("[data-testid=workload-planner-link]").first.click()
    assert page.url.endswith(f"/{SLUG}/planner/{world['va_id']}?week={WEEK}"), page.url
    expect(page.locator("h1")).to_have_text("Week planner of Marisol Cruz")
    expect(page.locator("[data-testid=planner-block]")).to_have_count(0)
    before = _planned(page)

    # 2. the open work item dragged onto Thursday 10:00 becomes a one-hour block there
    item = page.locator(f'[data-testid=planner-item][data-item-id="{world["item_id"]}"]')
    _drag(page, item, _slot(page, THURSDAY, "10:00"))
    expect(page.locator(".alert", has_text="Block planned.")).to_be_visible()
    blocks = page.locator("[data-testid=planner-block]")
    expect(blocks).to_have_count(1)
    block = _slot(page, THURSDAY, "10:00").locator("[data-testid=planner-block]")
    expect(block).to_contain_text("Supplier onboarding calls")
    expect(block).to_contain_text("10:00–11:00")
    # 10:00-11:00 in Manila is 21:00-22:00 of the day before in New York
    expect(block.locator("[data-testid=client-time]")).to_contain_text("21:00–22:00")
    after = _planned(page)
    assert after == before + 60, (before, after)  # more planned: the block's hour

    # 3. the block dragged onto Friday 14:00 moves there; there is still only one
    _drag(page, block, _slot(page, FRIDAY, "14:00"))
    expect(page.locator(".alert", has_text="Block changed.")).to_be_visible()
    expect(blocks).to_have_count(1)
    moved = _slot(page, FRIDAY, "14:00").locator("[data-testid=planner-block]")
    expect(moved).to_contain_text("14:00–15:00")
    expect(_slot(page, THURSDAY, "10:00").locator("[data-testid=planner-block]")).to_have_count(0)
    assert _planned(page) == after

    # 4. its Remove button takes it away
    with page.expect_navigation():
        moved.locator("[data-testid=remove-block]").click()
    expect(page.locator(".alert", has_text="Block removed.")).to_be_visible()
    expect(blocks).to_have_count(0)
    assert _planned(page) == before

    # 5. on a phone the page does not scroll sideways, and the plan form plans a block
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    )
    form = page.locator("[data-testid=plan-form]")
    expect(form).to_be_visible()
    form.locator("select[name=work_item_id]").select_option(str(world["item_id"]))
    form.locator("input[name=day]").fill(FRIDAY)
    form.locator("input[name=start]").fill("09:30")
    form.locator("input[name=minutes]").fill("90")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".alert", has_text="Block planned.")).to_be_visible()
    phone_block = _slot(page, FRIDAY, "09:30").locator("[data-testid=planner-block]")
    expect(phone_block).to_contain_text("09:30–11:00")
    expect(blocks).to_have_count(1)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    owner.context.close()
