"""The work screens show what each role should see, in the promised order and grouping."""

from __future__ import annotations

import datetime as dt
import re

from app.boards.queries import CARDS_PER_COLUMN
from tests.clients.support import web
from tests.factories import AssignmentFactory, ClientFactory, MembershipFactory
from tests.work_screens.conftest import Shop
from tests.work_screens.support import make_item, make_sop

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def _ids(html: str, scope: str | None = None) -> list[int]:
    """Item ids in page order (within the element whose data attribute is `scope`)."""
    if scope:
        start = html.index(scope)
        end = html.find("</section>", start)
        html = html[start:end]
    return [int(i) for i in re.findall(r'data-item-id="(\d+)"', html)]


# --- My work ---------------------------------------------------------------------------


def test_my_work_groups_by_quadrant_and_orders_by_due(app, shop: Shop):
    t, v = shop.team, shop.version
    va = t.va.id
    late = make_item(v, t.client.id, assignee_id=va, urgent=True, due_in=-2 * H, done=1)
    soon = make_item(v, t.client.id, assignee_id=va, urgent=True, due_in=3 * H, state="in_progress")
    later = make_item(v, t.client.id, assignee_id=va, urgent=True, due_in=2 * D)
    plan = make_item(v, t.client.id, assignee_id=va, urgent=False, due_in=D, done=3)
    chore = make_item(v, t.client.id, assignee_id=va, urgent=True, important=False)
    meh = make_item(v, t.client.id, assignee_id=va, urgent=False, important=False, due_in=None)
    # Not on the page: finished, someone else's, or on a client the VA is not on.
    make_item(v, t.client.id, assignee_id=va, state="delivered")
    make_item(v, t.client.id, assignee_id=va, state="cancelled")
    other_va = MembershipFactory(agency=t.agency, role="va")
    make_item(v, t.client.id, assignee_id=other_va.id)
    make_item(v, shop.other_client_id, assignee_id=va, title="Not on this client any more")

    html = web(app, t.va).get(f"/{shop.slug}/my-work").get_data(as_text=True)

    assert _ids(html, 'data-quadrant="do"') == [late.id, soon.id, later.id]
    assert _ids(html, 'data-quadrant="schedule"') == [plan.id]
    assert _ids(html, 'data-quadrant="delegate"') == [chore.id]
    assert _ids(html, 'data-quadrant="eliminate"') == [meh.id]
    assert sorted(_ids(html)) == sorted([late.id, soon.id, later.id, plan.id, chore.id, meh.id])
    assert "Not on this client any more" not in html
    do_section = html[html.index('data-quadrant="do"') :]
    assert 'data-count="3"' in do_section[:200]
    assert "1 overdue" in do_section[:2000]
    first = html[html.index(f'data-item-id="{late.id}"') :][:3000]
    assert "data-overdue" in first and 'data-progress="1/3"' in first
    assert "Harbour Bakery" in first
    done_row = html[html.index(f'data-item-id="{plan.id}"') :][:3000]
    assert 'data-progress="3/3"' in done_row and "data-overdue" not in done_row


def test_my_work_shows_due_in_the_vas_zone_and_the_clients(app, shop: Shop):
    t = shop.team
    t.va.user.time_zone = "Asia/Dubai"
    item = make_item(shop.version, t.client.id, assignee_id=t.va.id)
    html = web(app, t.va).get(f"/{shop.slug}/my-work").get_data(as_text=True)
    row = html[html.index(f'data-item-id="{item.id}"') :][:3000]
    assert "GST" in row or "+04" in row  # the VA's zone (Asia/Dubai)
    assert "EST" in row or "EDT" in row  # the client's (America/New_York)


def test_my_work_caps_each_quadrant_and_pages_one(app, shop: Shop):
    t = shop.team
    for i in range(27):
        make_item(shop.version, t.client.id, assignee_id=t.va.id, due_in=(i + 1) * H)
    browser = web(app, t.va)
    html = browser.get(f"/{shop.slug}/my-work").get_data(as_text=True)
    assert len(_ids(html, 'data-quadrant="schedule"')) == 25
    assert "Show all 27" in html
    html = browser.get(f"/{shop.slug}/my-work?quadrant=schedule").get_data(as_text=True)
    assert len(_ids(html)) == 27
    assert 'data-quadrant="do"' not in html


def test_owners_look_at_a_vas_work_and_vas_only_at_their_own(app, shop: Shop):
    t = shop.team
    item = make_item(shop.version, t.client.id, assignee_id=t.va.id, title="Monthly close")
    for who in (t.owner, t.manager):
        resp = web(app, who).get(f"/{shop.slug}/my-work?member={t.va.id}")
        assert resp.status_code == 200
        assert _ids(resp.get_data(as_text=True)) == [item.id]
        assert f"{t.va.user.name}&#39;s work" in resp.get_data(as_text=True)
    other_va = MembershipFactory(agency=t.agency, role="va")
    assert web(app, t.va).get(f"/{shop.slug}/my-work?member={other_va.id}").status_code == 403
    assert web(app, t.va).get(f"/{shop.slug}/my-work?member={t.va.id}").status_code == 200
    assert web(app, t.owner).get(f"/{shop.slug}/my-work?member=999999").status_code == 404
    resp = web(app, t.owner).get(f"/{shop.slug}/my-work?member=abc&quadrant=later")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'data-field-error="member"' in body and 'data-field-error="quadrant"' in body


def test_a_member_of_another_agency_is_not_found(app, shop: Shop):
    stranger = MembershipFactory(role="va")  # another agency
    resp = web(app, shop.team.owner).get(f"/{shop.slug}/my-work?member={stranger.id}")
    assert resp.status_code == 404


# --- QA queue --------------------------------------------------------------------------


def test_qa_queue_oldest_submission_first_with_wait_and_round(app, shop: Shop):
    t, v = shop.team, shop.version
    newest = make_item(
        v,
        t.client.id,
        assignee_id=t.va.id,
        reviewer_id=t.qa.id,
        state="submitted",
        submitted_ago=12 * dt.timedelta(minutes=1),
    )
    oldest = make_item(v, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id,
                       state="in_review", submitted_ago=3 * H + 12 * dt.timedelta(minutes=1),
                       rework_rounds=1)  # fmt: skip
    other_qa = MembershipFactory(agency=t.agency, role="qa")
    theirs = make_item(v, t.client.id, assignee_id=t.va.id, reviewer_id=other_qa.id,
                       state="submitted", submitted_ago=D)  # fmt: skip
    make_item(v, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id, state="approved")
    make_item(v, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id, state="in_progress")

    html = web(app, t.qa).get(f"/{shop.slug}/qa").get_data(as_text=True)
    assert _ids(html) == [oldest.id, newest.id]
    old_row = html[html.index(f'data-item-id="{oldest.id}"') :].split("</tr>")[0]
    assert "3 h 12 min" in old_row and "Round 2" in old_row and "rework" in old_row
    new_row = html[html.index(f'data-item-id="{newest.id}"') :].split("</tr>")[0]
    assert "12 min" in new_row and "Round 1" in new_row

    owner = web(app, t.owner)
    assert _ids(owner.get(f"/{shop.slug}/qa").get_data(as_text=True)) == [
        theirs.id,
        oldest.id,
        newest.id,
    ]
    filtered = owner.get(f"/{shop.slug}/qa?reviewer={other_qa.id}").get_data(as_text=True)
    assert _ids(filtered) == [theirs.id]
    assert web(app, t.qa).get(f"/{shop.slug}/qa?reviewer={other_qa.id}").status_code == 403
    assert owner.get(f"/{shop.slug}/qa?reviewer=x").status_code == 422


def test_qa_queue_pages(app, shop: Shop):
    t = shop.team
    for i in range(52):
        make_item(shop.version, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id,
                  state="submitted", submitted_ago=(60 - i) * H)  # fmt: skip
    browser = web(app, t.qa)
    first = browser.get(f"/{shop.slug}/qa").get_data(as_text=True)
    second = browser.get(f"/{shop.slug}/qa?page=2").get_data(as_text=True)
    assert len(_ids(first)) == 50 and len(_ids(second)) == 2
    assert "52 items waiting" in first


# --- Board -----------------------------------------------------------------------------


def test_board_columns_counts_and_filters(app, shop: Shop):
    t, v = shop.team, shop.version
    other_sop = make_sop(t.agency.id, "Inbox zero")
    other_va = MembershipFactory(agency=t.agency, role="va")
    AssignmentFactory(client=t.client, membership=other_va)
    a = make_item(v, t.client.id, assignee_id=t.va.id, state="todo", urgent=True, title="Alpha")
    b = make_item(v, t.client.id, assignee_id=other_va.id, state="todo", due_in=3 * D)
    c = make_item(other_sop, t.client.id, assignee_id=t.va.id, state="in_review")
    d = make_item(v, shop.other_client_id, assignee_id=other_va.id, state="delivered")
    browser = web(app, t.owner)

    html = browser.get(f"/{shop.slug}/board").get_data(as_text=True)
    assert _ids(html, 'data-column="todo"') == [a.id, b.id]
    assert _ids(html, 'data-column="in_review"') == [c.id]
    assert _ids(html, 'data-column="delivered"') == [d.id]
    assert re.search(r'data-column="todo" data-count="2"', html)
    assert re.search(r'data-column="cancelled" data-count="0"', html)
    card = html[html.index(f'data-item-id="{a.id}"') :][:2000]
    assert "Alpha" in card and "Harbour Bakery" in card and t.va.user.name in card
    assert 'data-quadrant="do"' in card
    assert f'href="/{shop.slug}/work/{a.id}"' in html

    def ids(query: str) -> list[int]:
        return sorted(_ids(browser.get(f"/{shop.slug}/board?{query}").get_data(as_text=True)))

    assert ids(f"client={t.client.id}") == sorted([a.id, b.id, c.id])
    assert ids(f"client={shop.other_client_id}") == [d.id]
    assert ids(f"assignee={other_va.id}") == sorted([b.id, d.id])
    assert ids(f"sop={other_sop.sop_id}") == [c.id]
    assert ids(f"client={t.client.id}&assignee={t.va.id}&sop={v.sop_id}") == [a.id]
    assert ids("client_q=lumen") == [d.id]
    assert ids("state=todo") == sorted([a.id, b.id])
    one = browser.get(f"/{shop.slug}/board?client={t.client.id}").get_data(as_text=True)
    assert "Harbour Bakery <span" in one  # the heading names the client
    assert browser.get(f"/{shop.slug}/board?client=999999").status_code == 422
    assert browser.get(f"/{shop.slug}/board?state=nope").status_code == 422


def test_board_sop_filter_covers_every_version_of_the_sop(app, shop: Shop):
    """An SOP edited since work started has items on several versions; filtering the board
    by the SOP shows them all (and nothing of another SOP)."""
    import hashlib

    from app.core.tenancy import all_tenants
    from app.extensions import db
    from app.sops.models import SopVersion

    t, v1 = shop.team, shop.version
    with all_tenants():
        v2 = SopVersion(agency_id=v1.agency_id, sop_id=v1.sop_id, number=2,
                        content_hash=hashlib.sha256(b"v2").hexdigest(),
                        definition=v1.definition, yaml_text="v2")  # fmt: skip
        db.session.add(v2)
        db.session.flush()
    old = make_item(v1, t.client.id, assignee_id=t.va.id, title="On version one")
    new = make_item(v2, t.client.id, assignee_id=t.va.id, title="On version two")
    other = make_item(make_sop(t.agency.id, "Inbox zero"), t.client.id, assignee_id=t.va.id)
    assert new.sop_id == old.sop_id == v1.sop_id != other.sop_id

    html = web(app, t.owner).get(f"/{shop.slug}/board?sop={v1.sop_id}").get_data(as_text=True)
    assert sorted(_ids(html)) == sorted([old.id, new.id])


def test_board_caps_columns(app, shop: Shop):
    t = shop.team
    for i in range(23):
        make_item(shop.version, t.client.id, assignee_id=t.va.id, due_in=(i + 1) * H)
    browser = web(app, t.owner)
    html = browser.get(f"/{shop.slug}/board").get_data(as_text=True)
    assert len(_ids(html, 'data-column="todo"')) == CARDS_PER_COLUMN
    assert f"+ {23 - CARDS_PER_COLUMN} more" in html
    html = browser.get(f"/{shop.slug}/board?state=todo").get_data(as_text=True)
    assert len(_ids(html)) == 23


def test_board_does_not_show_another_agencys_items(app, shop: Shop):
    elsewhere = ClientFactory(name="Elsewhere Ltd")
    version = make_sop(elsewhere.agency_id, "Their SOP")
    make_item(version, elsewhere.id, title="Their secret item")
    html = web(app, shop.team.owner).get(f"/{shop.slug}/board").get_data(as_text=True)
    assert "Their secret item" not in html and "Elsewhere Ltd" not in html
    resp = web(app, shop.team.owner).get(f"/{shop.slug}/board?client={elsewhere.id}")
    assert resp.status_code == 422


def test_board_counts_stop_at_the_cap_and_finished_work_shows_latest_first(
    app, shop: Shop, monkeypatch
):
    from app.boards import queries as screen_queries

    monkeypatch.setattr(screen_queries, "COUNT_CAP", 3)
    monkeypatch.setattr(screen_queries, "CARDS_PER_COLUMN", 2)
    t = shop.team
    done = [
        make_item(shop.version, t.client.id, assignee_id=t.va.id, state="delivered",
                  due_in=-i * D)
        for i in range(1, 6)
    ]  # fmt: skip
    undated = make_item(shop.version, t.client.id, state="delivered", due_in=None)
    make_item(shop.version, t.client.id, state="todo")
    browser = web(app, t.owner)
    html = browser.get(f"/{shop.slug}/board").get_data(as_text=True)
    column = html[html.index('data-column="delivered"') :].split("</section>")[0]
    assert "3+" in column and "Many more" in column
    assert re.search(r'data-column="todo" data-count="1"', html)
    assert 'data-testid="board-total">5+<' in html  # 4 counted delivered + 1 to do, "at least"
    page = browser.get(f"/{shop.slug}/board?state=delivered").get_data(as_text=True)
    assert _ids(page) == [undated.id] + [i.id for i in done]  # no due date, then latest due


def test_owners_get_a_chooser_and_vas_an_empty_state(app, shop: Shop):
    t = shop.team
    html = web(app, t.owner).get(f"/{shop.slug}/my-work").get_data(as_text=True)
    assert 'data-testid="member-chooser"' in html
    assert f'<option value="{t.va.id}"' in html and t.va.user.name in html
    html = web(app, t.va).get(f"/{shop.slug}/my-work").get_data(as_text=True)
    assert 'data-testid="my-work-empty"' in html and 'data-testid="member-chooser"' not in html
    html = web(app, t.qa).get(f"/{shop.slug}/qa").get_data(as_text=True)
    assert 'data-testid="qa-queue-empty"' in html and 'data-testid="queue-filters"' not in html
