"""axe-core (tests/browser/vendor, served from the disk, never a CDN) on Baton's main pages,
in English and in Arabic (right to left): no serious and no critical violation, for the
owner, the client contact and the signed-out sign-in page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_work_loop import Person
from tests.browser.world import nakheel

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text(encoding="utf-8")
SERIOUS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter((v) => ['serious', 'critical'].includes(v.impact))
  .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' '))}`)"""


def _violations(person: Person, path: str) -> list[str]:
    person.go(path)
    return [f"{path} {v}" for v in person.page.evaluate(SERIOUS)]


@pytest.mark.no_db
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_main_pages_have_no_serious_accessibility_violations(live_server, browser, locale):
    world = nakheel(locale, contact=True)
    owner_email, contact_email = world.owner_email, world.contact_email
    client_id, item_id = world.client_id, world.item_id

    found = []
    owner_browser = Person(browser, live_server, owner_email)
    # Injected by the browser itself: the pages' CSP allows no inline script.
    owner_browser.context.add_init_script(AXE)
    for path in (
        "/nakheel/", "/nakheel/clients", f"/nakheel/clients/{client_id}", "/nakheel/work",
        f"/nakheel/work/{item_id}",
        "/nakheel/board", "/nakheel/my-work", "/nakheel/qa", "/nakheel/invoices",
        "/nakheel/receivables", "/nakheel/team", "/nakheel/sops", "/profile",
    ):  # fmt: skip
        found += _violations(owner_browser, path)
    contact_browser = Person(browser, live_server, contact_email)
    contact_browser.context.add_init_script(AXE)
    found += _violations(contact_browser, "/nakheel/portal")
    signed_out = browser.new_context(locale="ar" if locale == "ar" else "en-US")
    signed_out.add_init_script(AXE)
    page = signed_out.new_page()
    page.goto(f"{live_server.url}/login")
    found += [f"/login {v}" for v in page.evaluate(SERIOUS)]
    if locale == "ar":
        assert page.evaluate("document.documentElement.dir") == "rtl"  # from Accept-Language
    signed_out.close()
    assert found == []
