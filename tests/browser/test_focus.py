"""Where the keyboard is, is always seen: tabbing through a page, every element that takes
the focus draws a ring (an outline or a box shadow), in English and in Arabic (right to
left); "Skip to content" is the first stop and moves the focus to the page's main content;
a form sent back with errors puts the focus on its error summary."""

from __future__ import annotations

import pytest

from tests.browser.test_work_loop import Person
from tests.browser.world import nakheel

# What the focused element is and how its focus is drawn.
FOCUSED = r"""() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  // An opaque outline of 2px or more (Bootstrap's own focus glow is a 25% tint: too faint).
  const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
    && !/rgba\(.*, 0(\.\d+)?\)$/.test(s.outlineColor) && s.outlineColor !== 'transparent';
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, testid: el.dataset.testid || '',
          text: (el.innerText || el.value || '').trim().slice(0, 40),
          ring, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
          shown: r.width > 0 && r.height > 0};
}"""


def _tab_through(page, presses: int) -> list[dict]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info["tag"] == "body":
            break
        seen.append(info)
    return seen


@pytest.mark.no_db
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_focus_stop_shows_a_ring_and_skip_link_goes_to_main(live_server, browser, locale):
    world = nakheel(locale)
    owner_email, client_id, item_id = world.owner_email, world.client_id, world.item_id

    person = Person(browser, live_server, owner_email)
    page = person.page
    for path in (
        f"/nakheel/clients/{client_id}", f"/nakheel/work/{item_id}", "/nakheel/work",
        "/nakheel/clients",
    ):  # fmt: skip
        person.go(path)
        stops = _tab_through(page, 60)
        assert len(stops) >= 10, (path, stops)
        assert stops[0]["testid"] == "skip-link" and stops[0]["shown"], (path, stops[0])
        unseen = [s for s in stops if not s["ring"]]
        assert unseen == [], f"{path}: focus without a visible ring: {unseen}"

    # Skip to content: Enter on the first stop puts the focus on <main>; the next Tab
    # goes to the first control inside it, not back to the menu.
    person.go(f"/nakheel/clients/{client_id}")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


@pytest.mark.no_db
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_a_form_with_errors_focuses_its_summary_and_links_to_fields(live_server, browser, locale):
    context = browser.new_context(locale="ar" if locale == "ar" else "en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/signup")
    # Only the keyboard: to the agency name, type, then Enter sends the form.
    while page.evaluate("document.activeElement.id") != "f-email":
        page.keyboard.press("Tab")
    page.keyboard.type("not-an-email")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    assert summary.count() == 1
    assert page.evaluate("document.activeElement.dataset.testid") == "form-errors"
    assert page.evaluate(FOCUSED)["ring"]
    # Tab into the summary's first link and follow it: the focus lands on that field.
    page.keyboard.press("Tab")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href and href.startswith("#f-")
    page.keyboard.press("Enter")
    assert page.evaluate("'#' + document.activeElement.id") == href
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    context.close()
