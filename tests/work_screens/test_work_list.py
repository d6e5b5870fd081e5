"""The "All work" list: what each role may see, the title search, every filter, the order,
paging, and bad filters answered with 422 naming the field."""

from __future__ import annotations

import datetime as dt
import re

from app.boards import all_work as list_queries
from tests.clients.support import web
from tests.factories import AssignmentFactory, MembershipFactory
from tests.work_screens.conftest import Shop
from tests.work_screens.support import make_item, make_sop

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-item-id="(\d+)"', html)]


def test_search_filters_and_order(app, shop: Shop):
    t, v = shop.team, shop.version
    other_sop = make_sop(t.agency.id, "Inbox zero")
    other_va = MembershipFactory(agency=t.agency, role="va")
    AssignmentFactory(client=t.client, membership=other_va)
    late = make_item(v, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id, due_in=-2 * H,
                     urgent=True, title="Weekly report for March", done=1)  # fmt: skip
    soon = make_item(v, t.client.id, assignee_id=other_va.id, due_in=3 * H, title="Invoice run")
    review = make_item(other_sop, t.client.id, assignee_id=t.va.id, state="in_review",
                       due_in=D, title="Inbox 100% clean_up")  # fmt: skip
    done = make_item(v, shop.other_client_id, assignee_id=other_va.id, state="delivered",
                     due_in=-5 * D, title="Weekly report for February")  # fmt: skip
    owner = web(app, t.owner)

    def listed(query: str = "") -> list[int]:
        resp = owner.get(f"/{shop.slug}/work?{query}")
        assert resp.status_code == 200, (query, resp.status_code)
        return ids(resp.get_data(as_text=True))

    # By default the open items, soonest due first; any state on request.
    assert listed() == [late.id, soon.id, review.id]
    assert listed("state=all") == [done.id, late.id, soon.id, review.id]
    assert listed("q=weekly+REPORT&state=all") == [done.id, late.id]
    assert listed("q=weekly+REPORT") == [late.id]
    assert listed("q=100%25") == [review.id]  # % and _ are matched literally
    assert listed("q=clean_up") == [review.id] and listed("q=cleanXup") == []
    assert listed("state=open") == [late.id, soon.id, review.id]
    assert listed("state=closed") == [done.id]
    assert listed("state=in_review") == [review.id]
    assert listed(f"client={shop.other_client_id}&state=all") == [done.id]
    assert listed("client_q=lumen&state=all") == [done.id]
    assert listed(f"assignee={other_va.id}&state=all") == [done.id, soon.id]
    assert listed(f"reviewer={t.qa.id}") == [late.id]
    assert listed(f"sop={other_sop.sop_id}") == [review.id]
    assert listed("quadrant=do") == [late.id]
    assert listed("overdue=true") == [late.id]  # delivered work is never overdue
    assert listed("sort=created&state=all")[0] == done.id  # made last
    page = owner.get(f"/{shop.slug}/work?overdue=true").get_data(as_text=True)
    row = page[page.index(f'data-item-id="{late.id}"') :][:4000]
    assert "data-overdue" in row and 'data-progress="1/3"' in row and "(overdue)" in row
    assert "Harbour Bakery" in row and t.va.user.name in row and t.qa.user.name in row


def test_a_va_lists_only_the_items_of_their_clients(app, shop: Shop):
    t, v = shop.team, shop.version
    mine = make_item(v, t.client.id, assignee_id=t.va.id, title="On my client")
    make_item(v, shop.other_client_id, title="On a client I am not on")
    html = web(app, t.va).get(f"/{shop.slug}/work").get_data(as_text=True)
    assert ids(html) == [mine.id]
    assert "On a client I am not on" not in html
    # Asking for the other client by id finds nothing to show.
    resp = web(app, t.va).get(f"/{shop.slug}/work?client={shop.other_client_id}")
    assert resp.status_code == 422 and "No such client." in resp.get_data(as_text=True)


def test_client_contacts_have_their_own_pages(app, shop: Shop):
    resp = web(app, shop.team.contact).get(f"/{shop.slug}/work")
    assert resp.status_code == 403


def test_paging_and_the_capped_count(app, shop: Shop, monkeypatch):
    t, v = shop.team, shop.version
    made = [make_item(v, t.client.id, due_in=i * H) for i in range(7)]
    monkeypatch.setattr(list_queries, "PER_PAGE", 3)
    owner = web(app, t.owner)
    first = owner.get(f"/{shop.slug}/work").get_data(as_text=True)
    third = owner.get(f"/{shop.slug}/work?page=3").get_data(as_text=True)
    assert ids(first) == [m.id for m in made[:3]] and ids(third) == [made[6].id]
    assert "Page 1 of 3" in first and 'data-testid="list-total">7<' in first
    monkeypatch.setattr(list_queries, "COUNT_CAP", 5)
    capped = owner.get(f"/{shop.slug}/work").get_data(as_text=True)
    assert 'data-testid="list-total">5+<' in capped and "Page 1 of 2" in capped
    beyond = owner.get(f"/{shop.slug}/work?page=9").get_data(as_text=True)
    assert ids(beyond) == [] and 'data-testid="work-list-empty"' in beyond


def test_bad_filters_answer_422_naming_the_field(app, shop: Shop):
    owner = web(app, shop.team.owner)
    for query, field in (("state=lost", "state"), ("sort=price", "sort"), ("page=0", "page"),
                         ("quadrant=urgent", "quadrant"), ("assignee=abc", "assignee"),
                         ("q=" + "x" * 201, "q")):  # fmt: skip
        resp = owner.get(f"/{shop.slug}/work?{query}")
        assert resp.status_code == 422, query
        html = resp.get_data(as_text=True)
        assert f'data-field-error="{field}"' in html, query
        assert 'data-testid="work-list-empty"' in html
