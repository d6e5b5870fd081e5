"""Scripts write numbers as the server does: the page names the reader's locale with its
numbering system (<html data-locale="ar-EG-u-nu-arab">), the browser's Intl.NumberFormat
given that tag writes the same digits and separators as app.core.formatting, and the
dashboard chart's axis is in Arabic-Indic digits for an Egyptian Arabic reader."""

from __future__ import annotations

import pytest

from app.core.formatting import format_number
from app.extensions import db
from tests.browser.test_work_loop import Person
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
    WorkItemFactory,
)

INTL = """(values) => values.map((v) =>
  new Intl.NumberFormat(document.documentElement.dataset.locale).format(v))"""

AXIS = """() => {
  const canvas = document.querySelector('canvas[data-labels]');
  if (!canvas) return null;
  return Chart.getChart(canvas).scales.y.ticks.map((t) => t.label).join(' ');
}"""


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("locale", "tag"),
    [("ar_EG", "ar-EG-u-nu-arab"), ("ar", "ar-u-nu-latn"), ("fr", "fr-u-nu-latn")],
)
def test_the_browser_writes_numbers_as_the_server_does(live_server, browser, locale, tag):
    agency = AgencyFactory(name="Nile Desk", slug="nile")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(locale=locale))
    va = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Omar"))
    client = ClientFactory(agency=agency, name="Harbour Bakery")
    for n in range(3):
        WorkItemFactory(client=client, assignee_id=va.id, title=f"Bookkeeping {n}")
    email = owner.user.email
    db.session.commit()

    person = Person(browser, live_server, email)
    person.go("/nile/")
    assert person.page.evaluate("document.documentElement.dataset.locale") == tag
    values = [7, 1234.5, 1000000]
    assert person.page.evaluate(INTL, values) == [format_number(v, locale) for v in values]
    axis = person.page.evaluate(AXIS)
    if locale == "ar_EG":
        assert axis and set(axis) & set("٠١٢٣٤٥٦٧٨٩") and not set(axis) & set("0123456789"), axis
