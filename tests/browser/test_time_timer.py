"""The timer in a real browser: started from a client's page, its elapsed time ticks in the
top bar; a second tab shows it; stopped in that tab, the first tab's bar shows it stopped
as soon as it looks again (its poll on `visibilitychange`), without a reload."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_work_loop import Person
from tests.browser.world import nakheel


@pytest.mark.no_db
def test_the_timer_ticks_and_stopping_in_one_tab_stops_it_in_the_other(live_server, browser):
    world = nakheel("en")
    person = Person(browser, live_server, world.owner_email)
    first = person.page
    person.go(f"/nakheel/clients/{world.client_id}")
    with first.expect_navigation():
        first.click("[data-testid=timer-start-here]")
    first.wait_for_selector("[data-testid=timer-running]")
    first.wait_for_function(
        "() => /^0:00:0[1-9]$/.test(document.querySelector('.timer-elapsed').textContent)"
    )
    assert "Harbour Bakery Ltd" in first.locator("#timer-bar").inner_text()

    second = person.context.new_page()
    second.goto(f"{live_server.url}/nakheel/time")
    assert second.locator("#timer-bar [data-testid=timer-running]").count() == 1
    with second.expect_navigation():
        second.click("[data-testid=timer-stop]")
    assert second.locator("[data-testid=timer-start-form]").count() == 1
    assert re.search(r"Timer stopped: .* recorded", second.content())

    first.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    first.wait_for_selector("#timer-bar [data-testid=timer-start-form]")
    assert first.locator("[data-testid=timer-running]").count() == 0
    person.context.close()
