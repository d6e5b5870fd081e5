"""axe-core (tests/browser/vendor, served from the disk, never a CDN) on Baton's main pages,
in English and in Arabic (right to left): no serious and no critical violation, for the
owner, the client contact and the signed-out sign-in page."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from tests.browser.test_work_loop import Person
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
    WorkItemFactory,
)

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
    agency = AgencyFactory(name="Nakheel Assist", slug="nakheel")
    owner = MembershipFactory(
        agency=agency, role="owner", user=UserFactory(name="Huda Saleh", locale=locale)
    )
    va = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Omar Reyes"))
    client = ClientFactory(agency=agency, name="Harbour Bakery Ltd")
    item = WorkItemFactory(client=client, assignee_id=va.id, title="Monthly bookkeeping")
    contact = MembershipFactory(
        agency=agency, role="client", client_id=client.id, user=UserFactory(locale=locale)
    )
    owner_email, contact_email, client_id = owner.user.email, contact.user.email, client.id
    item_id = item.id
    db.session.commit()

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
