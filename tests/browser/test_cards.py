"""Cards keep their rounded border all the way round: a card's last flush list (client
Terms and Channels, "Owed by clients", My work quadrants, portal cards, work item Details)
must not paint its background over the card's bottom corners, which broke the border there.
Measured in Chromium on the computed styles of every card on the pages."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.browser.test_work_loop import Person
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory, UserFactory

# For each card: its bottom-left radius and the radius of the last element drawn at its
# bottom edge (the last child, or a flush list's last item), in px.
MEASURE = """() => [...document.querySelectorAll('.card')].map((card) => {
  const last = card.lastElementChild;
  const inner = last && last.matches('.list-group-flush') ? last.lastElementChild : last;
  const r = (el) => el ? parseFloat(getComputedStyle(el).borderBottomLeftRadius) : 0;
  const painted = (el) => el && getComputedStyle(el).backgroundColor !== 'rgba(0, 0, 0, 0)';
  const border = parseFloat(getComputedStyle(card).borderBottomWidth);
  return {text: card.innerText.slice(0, 40), card: r(card), border,
          inner: painted(inner) ? r(inner) : null};
})"""


@pytest.mark.no_db
def test_cards_keep_their_bottom_corners(live_server, browser):
    agency = AgencyFactory(name="Card Agency", slug="card-agency")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Olivia"))
    client = ClientFactory(agency=agency, name="Harbour Bakery")
    email, client_id = owner.user.email, client.id
    db.session.commit()

    person = Person(browser, live_server, email)
    checked = []
    for path in (f"/card-agency/clients/{client_id}", "/card-agency/", "/card-agency/my-work"):
        person.go(path)
        for card in person.page.evaluate(MEASURE):
            if card["inner"] is None:
                continue  # nothing painted at the bottom edge
            checked.append(card["text"])
            # The painted bottom element must round at least as much as the card's inside.
            assert card["inner"] >= card["card"] - card["border"] - 0.01, (path, card)
    assert any(text.startswith("Terms") for text in checked)
    assert any("Owed by clients" in text for text in checked)
    person.context.close()
