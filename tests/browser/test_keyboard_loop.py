"""The delegation loop with the keyboard only, in English and in Arabic (right to left).

Nobody here uses a mouse: no clicks, no `.click()`, no `fill()`. Each person moves with
Tab / Shift+Tab, opens menus with Enter and the arrow keys, ticks with Space, picks options
with the arrow keys, types into the field the keyboard is on, and presses Enter on buttons
and links. The owner creates the item from an SOP and assigns it; the VA finds it through
the Work menu, adds the evidence and ticks the checklist (the focus stays where it was
after each in-place update), and submits; the QA reviewer finds it in the queue, scores
the rubric and approves; the client's contact approves from the portal, which delivers
the item. A control that cannot be reached or worked this way fails the test.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_work_loop import PNG, _cast, _words
from tests.factories import PASSWORD

ACTIVE_MATCHES = "(s) => !!document.activeElement && document.activeElement.matches(s)"


class KeyboardPerson:
    """One signed-in browser driven by the keyboard alone."""

    def __init__(self, browser, server: LiveServer, email: str) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        # Listen for file pickers from the start: Playwright turns their interception on
        # asynchronously, which could race the key press that opens one.
        self.page.on("filechooser", lambda chooser: None)
        self.page.goto(f"{server.url}/login")
        self.tab_to("#f-email")
        self.page.keyboard.type(email)
        self.tab_to("#f-password")
        self.page.keyboard.type(PASSWORD)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")  # Enter in a field sends its form
        assert "/login" not in self.page.url, self.page.content()[:2000]

    def go(self, path: str) -> None:
        """Type an address (the address bar is the keyboard's too)."""
        self.page.goto(f"{self.server.url}{path}")

    def focused(self, selector: str) -> bool:
        return self.page.evaluate(ACTIVE_MATCHES, selector)

    def tab_to(self, selector: str, *, limit: int = 300, back: bool = False) -> None:
        """Press Tab (Shift+Tab with `back`) until the focus is on `selector`."""
        for _ in range(limit):
            if self.focused(selector):
                return
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
        trail = self.page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        raise AssertionError(f"{selector!r} cannot be reached with Tab (stuck on {trail})")

    def press_on(self, selector: str, key: str = "Enter") -> None:
        """Tab to a button or link and press Enter on it, waiting for the next page."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def choose(self, selector: str, value: str) -> None:
        """Pick an option of a <select> with the arrow keys (its list stays closed)."""
        self.tab_to(selector)
        self.page.keyboard.press("Home")
        for _ in range(60):
            if self.page.evaluate("(s) => document.querySelector(s).value", selector) == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no option {value!r} in {selector} with the arrow keys")

    def menu(self, toggle: str, href_end: str) -> None:
        """Open a menu of the top bar with Enter, walk it with ArrowDown, follow an item."""
        self.tab_to(toggle)
        expanded = "document.activeElement.getAttribute('aria-expanded')"
        # Escape closes an open menu and leaves the focus on its toggle.
        self.page.keyboard.press("Enter")
        assert self.page.evaluate(expanded) == "true"
        self.page.keyboard.press("Escape")
        assert self.focused(toggle) and self.page.evaluate(expanded) == "false"
        self.page.keyboard.press("Enter")
        assert self.page.evaluate(expanded) == "true"
        for _ in range(15):
            self.page.keyboard.press("ArrowDown")
            href = self.page.evaluate("document.activeElement.getAttribute('href') || ''")
            if href.endswith(href_end):
                with self.page.expect_navigation():
                    self.page.keyboard.press("Enter")
                return
        raise AssertionError(f"no menu item to {href_end}")

    def act(self, action: str) -> None:
        self.press_on(f"[data-action={action}]")
        refusal = self.page.locator("[data-testid=refusal]")
        assert refusal.count() == 0, refusal.inner_text()

    def state(self) -> str:
        return self.page.locator("[data-testid=state]").get_attribute("data-state")

    # The checklist (htmx swaps a row in place; the focus must survive the swap).
    def row(self, key: str) -> str:
        return f"li[data-check-key={key}]"

    def tick(self, key: str) -> None:
        box = f"{self.row(key)} input[name=done]"
        self.tab_to(box)
        with self.page.expect_response(lambda r: r.url.endswith("/tick")) as response:
            self.page.keyboard.press("Space")
        assert response.value.status == 200, response.value.text()[:500]
        self.page.wait_for_selector(f"{self.row(key)}[data-done=true]")
        assert self.focused(box), f"the focus left the tick box of {key} after the update"

    def evidence(self, key: str, *, text: str | None = None, file: bytes | None = None) -> None:
        field = f"{self.row(key)} .evidence-form .form-control"
        self.tab_to(field)
        if file is not None:
            with self.page.expect_file_chooser() as chooser:
                self.page.keyboard.press("Space")  # a file input opens its picker on Space
            chooser.value.set_files(
                {"name": "weekly-report.png", "mimeType": "image/png", "buffer": file}
            )
        else:
            self.page.keyboard.type(text or "")
        button = f"{self.row(key)} .evidence-form button[type=submit]"
        self.tab_to(button)
        with self.page.expect_response(lambda r: "/evidence" in r.url) as response:
            self.page.keyboard.press("Enter")
        assert response.value.status == 200, response.value.text()[:500]
        self.page.wait_for_selector(
            f"{self.row(key)} .evidence a, {self.row(key)} [data-testid=evidence-note]"
        )
        assert self.focused(button), f"the focus left the evidence button of {key}"


@pytest.mark.no_db
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_loop_with_the_keyboard_only(live_server, browser, locale):
    cast = _cast(locale)
    slug = cast.slug
    tr, _label = _words(live_server.app, locale)

    # 1. The owner opens the client, Tabs to "New work item", fills the form and sends it.
    owner = KeyboardPerson(browser, live_server, cast.emails["owner"])
    owner.go(f"/{slug}/clients/{cast.client_id}")
    owner.press_on("[data-testid=new-work-item]")
    owner.tab_to("#f-title")
    owner.page.keyboard.type("Weekly status for Harbour Bakery")
    owner.page.keyboard.press("Tab")
    assert owner.focused("#f-description")  # the next field, in reading order
    owner.page.keyboard.type("Numbers, a short summary and the PDF.")
    owner.choose("#f-sop_version_id", str(cast.sop_version_id))
    owner.choose("#f-assignee_id", str(cast.members["va"]))
    owner.choose("#f-reviewer_id", str(cast.members["qa"]))
    for box in ("#f-urgent", "#f-important"):  # urgent and important: "do now"
        owner.tab_to(box)
        if not owner.page.is_checked(box):
            owner.page.keyboard.press("Space")
    # Shift+Tab walks back up the form and Tab forward again.
    owner.tab_to("#f-urgent", back=True)
    assert owner.page.is_checked("#f-urgent") and owner.page.is_checked("#f-important")
    owner.press_on("main button[type=submit]")
    match = re.search(r"/work/(\d+)$", owner.page.url)
    assert match, (owner.page.url, owner.page.content()[:3000])
    item_id = int(match.group(1))
    item_path = f"/{slug}/work/{item_id}"
    assert owner.state() == "todo"
    assert owner.page.evaluate("document.documentElement.dir") == (
        "rtl" if locale == "ar" else "ltr"
    )

    # 2. The VA opens "My work" from the Work menu (Enter, arrow keys), then the item.
    va = KeyboardPerson(browser, live_server, cast.emails["va"])
    va.menu("a.dropdown-toggle:has(.bi-kanban)", "/my-work")
    assert va.page.url.endswith(f"/{slug}/my-work")
    va.press_on(f'section[data-quadrant="do"] [data-item-id="{item_id}"] a')
    assert va.page.url.endswith(item_path)
    va.act("start")
    assert va.state() == "in_progress"

    # 3. Evidence and ticks, each in place (no page load), the focus kept.
    marker = va.page.evaluate("() => (window.__sameDocument = Math.random())")
    va.evidence("numbers", text="https://docs.example.test/harbour/week-48")
    va.tick("numbers")
    va.evidence("summary", text="Sales up 4%; two orders late.")
    va.tick("summary")
    va.evidence("report", file=PNG)
    va.tick("report")
    va.tick("calendar")
    assert va.page.evaluate("() => window.__sameDocument") == marker
    assert va.page.locator("#submit-gate").get_attribute("data-open") == "0"
    va.act("submit")
    assert va.state() == "submitted"

    # 4. QA: the queue from the Work menu, the item, take it, score the rubric, approve.
    qa = KeyboardPerson(browser, live_server, cast.emails["qa"])
    qa.menu("a.dropdown-toggle:has(.bi-kanban)", "/qa")
    qa.press_on(f'tr[data-item-id="{item_id}"] a')
    assert qa.page.url.endswith(item_path)
    qa.act("take")
    assert qa.state() == "in_review"
    qa.choose('select[name="scores.accurate"]', "pass")
    qa.choose('select[name="scores.clear"]', "4")
    qa.tab_to("#f-review-comment")
    qa.page.keyboard.type("Clear and right.")
    qa.act("approve")
    assert qa.state() == "awaiting_client"

    # 5. The client's contact lands on the portal, Tabs to "Review" and approves.
    client = KeyboardPerson(browser, live_server, cast.emails["client"])
    assert client.page.url.endswith(f"/{slug}/portal")
    client.press_on(f'[data-testid=portal-waiting] li[data-item-id="{item_id}"] a')
    assert client.page.url.endswith(item_path)
    client.tab_to("#f-approve-comment")
    client.page.keyboard.type("Looks great, thanks!")
    client.act("client_approve")
    # 6. The client's approval delivers it; the owner finds it delivered.
    assert client.state() == "delivered"
    owner.go(item_path)
    assert owner.state() == "delivered"
    for person in (owner, va, qa, client):
        person.context.close()
