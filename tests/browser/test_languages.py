"""Arabic in a real browser: an Arabic-speaking owner's main pages are laid out right to left
on a 390 px phone and nothing runs off the side of the screen; an English-speaking owner
switches to Arabic from the menu (a real form post, CSRF on). Screenshots of every page go
to test-artifacts/screens/ar/ (BATON_ARTIFACTS to put them elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.extensions import db
from tests.browser.test_work_loop import Person
from tests.browser.world import nakheel
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
)

ARTIFACTS = Path(os.environ.get("BATON_ARTIFACTS", "test-artifacts")) / "screens" / "ar"
PHONE = {"width": 390, "height": 844}

LAYOUT = """() => ({
  dir: document.documentElement.dir,
  lang: document.documentElement.lang,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  rtlSheet: [...document.styleSheets].some((s) => (s.href || '').includes('bootstrap.rtl')),
  brandSide: (() => {
    const b = document.querySelector('.navbar-brand');
    return b ? b.getBoundingClientRect().right > window.innerWidth / 2 : null;
  })(),
})"""


FIRST_BAR_ON_THE_RIGHT = """() => {
  const chart = Chart.getChart(document.querySelector('canvas[data-labels]'));
  const x = chart.scales.x;
  return x.getPixelForTick(0) > x.getPixelForTick(x.ticks.length - 1);
}"""


@pytest.mark.no_db
def test_an_arabic_owner_on_a_phone_reads_right_to_left_without_sideways_scrolling(
    live_server, browser
):
    world = nakheel("ar")
    email, client_id, item_id = world.owner_email, world.client_id, world.item_id

    person = Person(browser, live_server, email)
    person.page.set_viewport_size(PHONE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "dashboard": "/nakheel/",
        "clients": "/nakheel/clients",
        "client": f"/nakheel/clients/{client_id}",
        "all-work": "/nakheel/work",
        "work-item": f"/nakheel/work/{item_id}",
        "board": "/nakheel/board",
        "team": "/nakheel/team",
        "invoices": "/nakheel/invoices",
        "receivables": "/nakheel/receivables",
        "reminders": "/nakheel/settings/reminders",
        "sops": "/nakheel/sops",
        "quality": "/nakheel/quality",
        "audit": "/nakheel/audit",
        "jobs": "/nakheel/jobs",
        "profile": "/profile",
    }
    problems = []
    for name, path in pages.items():
        person.go(path)
        layout = person.page.evaluate(LAYOUT)
        person.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        if (layout["dir"], layout["lang"], layout["rtlSheet"]) != ("rtl", "ar", True):
            problems.append(f"{name}: {layout}")
        if layout["overflow"] > 1:
            problems.append(f"{name}: {layout['overflow']} px wider than the phone")
        if layout["brandSide"] is False:
            problems.append(f"{name}: the brand is not at the start (right) of the bar")
    assert problems == []
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    # The dashboard's chart reads right to left too: its first bar is the rightmost.
    person.go("/nakheel/")
    assert person.page.evaluate(FIRST_BAR_ON_THE_RIGHT)


@pytest.mark.no_db
def test_switching_to_arabic_from_the_menu_turns_the_page(live_server, browser):
    agency = AgencyFactory(name="Cedar Desk", slug="cedar")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Lina"))
    email = owner.user.email
    db.session.commit()

    person = Person(browser, live_server, email)
    person.go("/cedar/clients")
    assert person.page.evaluate("document.documentElement.dir") == "ltr"
    person.page.click("nav .dropdown-toggle:has(.bi-person-circle)")
    with person.page.expect_navigation():
        person.page.click("[data-testid=language-ar] button")
    assert person.page.url.endswith("/cedar/clients")  # back where the switch was used
    assert person.page.evaluate("document.documentElement.dir") == "rtl"
    assert person.page.locator("nav").get_by_text("العملاء").count() >= 1
    person.go("/cedar/")  # remembered on the profile
    assert person.page.evaluate("document.documentElement.lang") == "ar"


LOADED_FONTS = """async () => {
  await document.fonts.ready;
  return [...document.fonts]
    .filter((f) => f.status === 'loaded')
    .map((f) => f.family.replaceAll('"', ''));
}"""


@pytest.mark.no_db
def test_names_in_every_script_are_drawn_with_the_bundled_fonts(live_server, browser):
    agency = AgencyFactory(name="Nakheel Assist", slug="nakheel")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(locale="ar"))
    for name in (
        "مخبز الميناء",
        "מאפיית הנמל",
        "बंदरगाह बेकरी",
        "ร้านเบเกอรี่",
        "Пекарня",
        "Αρτοποιείο",
    ):
        ClientFactory(agency=agency, name=name)
    email = owner.user.email
    db.session.commit()

    person = Person(browser, live_server, email)
    fetched = []
    person.page.on("request", lambda r: fetched.append(r.url) if ".woff2" in r.url else None)
    person.go("/nakheel/clients")
    loaded = set(person.page.evaluate(LOADED_FONTS))
    # Cyrillic and Greek come from the system's own fonts first (Noto Sans is their last
    # resort); the other scripts, which many systems lack, from the bundled files.
    assert {
        "Noto Sans Arabic",
        "Noto Sans Hebrew",
        "Noto Sans Devanagari",
        "Noto Sans Thai",
    } <= loaded
    assert fetched and all(url.startswith(live_server.url + "/static/") for url in fetched)
