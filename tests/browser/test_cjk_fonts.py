"""Chinese, Japanese and Korean names in a real browser: drawn with the Noto Sans SC / KR
faces served from /static (no CDN, allowed by the page's font-src 'self'), and only the few
unicode-range slices the page's characters need are fetched, not the whole fonts."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.browser.test_work_loop import Person
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory, UserFactory

LOADED_FONTS = """async () => {
  await document.fonts.ready;
  return [...document.fonts]
    .filter((f) => f.status === 'loaded')
    .map((f) => f.family.replaceAll('"', ''));
}"""

DRAWN_WITH = """(family) => document.fonts.check(`16px "${family}"`, '地平线')"""


@pytest.mark.no_db
def test_chinese_japanese_and_korean_names_use_the_local_cjk_fonts(live_server, browser):
    agency = AgencyFactory(name="Horizon Desk", slug="horizon")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(locale="en"))
    for name in ("地平线贸易有限公司", "株式会社ホライズン", "주식회사 호라이즌"):
        ClientFactory(agency=agency, name=name)
    email = owner.user.email
    db.session.commit()

    person = Person(browser, live_server, email)
    fonts: dict[str, int] = {}
    person.page.on(
        "response",
        lambda r: fonts.__setitem__(r.url, r.status) if ".woff2" in r.url else None,
    )
    person.go("/horizon/clients")
    for name in ("地平线贸易有限公司", "株式会社ホライズン", "주식회사 호라이즌"):
        assert person.page.get_by_text(name).count() >= 1
    loaded = set(person.page.evaluate(LOADED_FONTS))
    assert {"Noto Sans SC", "Noto Sans KR"} <= loaded, loaded
    assert person.page.evaluate(DRAWN_WITH, "Noto Sans SC")

    cjk = [url for url in fonts if "/noto-sans-sc-" in url or "/noto-sans-kr-" in url]
    assert cjk and all(url.startswith(live_server.url + "/static/vendor/fonts/") for url in cjk)
    # 304: already fetched on the page after sign-in (the top bar's timer lists the clients),
    # revalidated here; served from /static either way.
    assert all(fonts[url] in (200, 304) for url in cjk), fonts
    # A few slices for a few names: the browser never fetched a whole CJK font.
    assert len(cjk) <= 12, cjk
