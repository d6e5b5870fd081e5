"""Recurring series: made from the new-work form or the API, the next item made exactly once
(at delivery, or at the client's approval where the SOP says so), due one cadence later on
the client's wall clock; paused and ended series make nothing; two racing calls on real
connections make one next item."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
import time_machine

from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.work import series
from app.work.models import WorkItem, WorkSeries
from tests.factories import DEFAULT_SOP_DEFINITION, SopFactory, SopVersionFactory
from tests.helpers import committed_app
from tests.work.support import Flow, api, checks, fetch_item, make_desk, web

FROZEN = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)  # the US moves its clocks on 14 March


def _items(series_id: int) -> list[WorkItem]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(WorkItem)
                .where(WorkItem.series_id == series_id)
                .order_by(WorkItem.sequence)
                .execution_options(populate_existing=True)
            )
        )


def _create(app, desk, version=None, cadence: str = "weekly") -> dict:
    body = desk.item_body(
        title="Weekly update, week of {week}",
        due_at="2027-03-08T09:00",
        repeats=cadence,
        **({"sop_version_id": version.id} if version else {}),
    )
    resp = api(app, desk.owner).post(f"/clients/{desk.client.id}/series", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


@pytest.fixture
def committed(app, database_url):
    """An app whose data is committed for real (each thread its own connection)."""
    with committed_app(database_url) as real:
        yield real


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=True):
        yield


def _flow(app, desk, item_id: int) -> Flow:
    """A Flow driving an item made by a series (not by Flow itself)."""
    flow = Flow.__new__(Flow)
    flow.desk, flow.id = desk, item_id
    flow.owner, flow.va, flow.qa = api(app, desk.owner), api(app, desk.va), api(app, desk.qa)
    flow.contact = api(app, desk.contact)
    flow.ids = {c.item_key: c.id for c in checks(item_id).values()}
    return flow


def _deliver(app, desk, item_id: int) -> None:
    flow = _flow(app, desk, item_id).to("approved")
    assert flow.owner.post(flow.url("/deliver"), json={}).status_code == 200


def test_delivery_makes_the_next_item_once_one_week_later(app, desk):
    made = _create(app, desk)
    first = made["item"]
    assert first["title"] == "Weekly update, week of 8 Mar"
    assert made["series"]["status"] == "active"
    _deliver(app, desk, first["id"])
    items = _items(made["series"]["id"])
    assert [i.sequence for i in items] == [1, 2]
    second = items[1]
    assert second.title == "Weekly update, week of 15 Mar"
    # 9:00 in New York both weeks, across the change to daylight saving time.
    assert second.due_at - items[0].due_at == dt.timedelta(days=7, hours=-1)
    assert (second.assignee_id, second.reviewer_id, second.state) == (
        desk.va.id,
        desk.qa.id,
        "todo",
    )
    with tenant(desk.agency.id):
        owner = Actor(user=desk.owner.user, agency=desk.agency, membership=desk.owner)
        assert series.make_next_item(owner, fetch_item(first["id"])) is None
    assert len(_items(made["series"]["id"])) == 2
    page = web(app, desk.owner).get(f"/{desk.slug}/work/{second.id}").get_data(as_text=True)
    assert 'data-testid="series-line"' in page and "Number 2 of a series" in page


def test_on_client_approval_the_approval_makes_the_next_item(app, desk):
    definition = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    definition.update(slug="weekly-ok", client_approval=True, next_in_series="on_client_approval")
    version = SopVersionFactory(sop=SopFactory(agency=desk.agency), definition=definition)
    made = _create(app, desk, version, cadence="monthly")
    flow = _flow(app, desk, made["item"]["id"]).to("in_review")
    flow.approve()  # QA approval: waits for the client
    assert len(_items(made["series"]["id"])) == 1
    flow.ok(flow.contact.post(flow.url("/client-approve"), json={}))
    items = _items(made["series"]["id"])
    assert [i.sequence for i in items] == [1, 2]
    assert items[0].state == "delivered"
    assert items[1].due_at.astimezone(dt.UTC).date() == dt.date(2027, 4, 8)


def test_paused_and_ended_series_make_nothing_and_ended_stays_ended(app, desk):
    made = _create(app, desk)
    sid = made["series"]["id"]
    owner = api(app, desk.owner)
    assert api(app, desk.va).post(f"/series/{sid}/pause", json={}).status_code == 403
    assert owner.post(f"/series/{sid}/pause", json={}).json["status"] == "paused"
    _deliver(app, desk, made["item"]["id"])
    assert len(_items(sid)) == 1
    assert owner.post(f"/series/{sid}/end", json={}).json["status"] == "ended"
    assert owner.post(f"/series/{sid}/resume", json={}).status_code == 409
    listed = owner.get(f"/clients/{desk.client.id}/series").json["items"]
    assert [s["id"] for s in listed] == [sid]


def test_bad_input_names_the_field_and_makes_nothing(app, desk):
    owner = api(app, desk.owner)
    body = desk.item_body(repeats="daily", due_at="2027-03-08T09:00")
    resp = owner.post(f"/clients/{desk.client.id}/series", json=body)
    assert resp.status_code == 422 and "repeats" in resp.json["errors"]
    resp = owner.post(f"/clients/{desk.client.id}/series",
                      json=desk.item_body(repeats="weekly", assignee_id=desk.other_va.id,
                                          due_at="2027-03-08T09:00"))  # fmt: skip
    assert resp.status_code == 422 and "assignee_id" in resp.json["errors"]
    form = web(app, desk.owner).post(
        f"/{desk.slug}/clients/{desk.client.id}/work/new",
        data={**{k: str(v) for k, v in desk.item_body().items()}, "repeats": "hourly"},
    )
    assert form.status_code == 422
    assert 'data-field-error="repeats"' in form.get_data(as_text=True)
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkSeries)) == 0


def test_the_new_work_form_starts_a_series(app, desk):
    resp = web(app, desk.owner).post(
        f"/{desk.slug}/clients/{desk.client.id}/work/new",
        data={**{k: str(v) for k, v in desk.item_body(title="Update {n}").items()},
              "due_at": "2027-03-08T09:00", "repeats": "fortnightly"},
    )  # fmt: skip
    assert resp.status_code == 302
    with all_tenants():
        made = db.session.scalar(sa.select(WorkSeries))
    assert (made.cadence, made.title_pattern) == ("fortnightly", "Update {n}")
    assert [i.title for i in _items(made.id)] == ["Update 1"]


@pytest.mark.no_db
def test_two_racing_calls_make_one_next_item(committed):
    with time_machine.travel(FROZEN, tick=True):
        desk = make_desk()
        with tenant(desk.agency.id):
            owner = Actor(user=desk.owner.user, agency=desk.agency, membership=desk.owner)
            client = desk.client
            data = {**desk.item_body(title="W {week}"), "repeats": "weekly",
                    "due_at": dt.datetime(2027, 3, 8, 9)}  # fmt: skip
            made, first = series.create_series(owner, client, data)
            db.session.commit()
            ids = (desk.agency.id, desk.owner.id, first.id, made.id)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def work() -> None:
        from app.agencies.models import Agency
        from app.users.models import Membership

        agency_id, member_id, item_id, _sid = ids
        with committed.app_context(), tenant(agency_id):
            try:
                with all_tenants():
                    member = db.session.get(Membership, member_id)
                    user = member.user
                actor = Actor(
                    user=user, agency=db.session.get(Agency, agency_id), membership=member
                )
                item = db.session.get(WorkItem, item_id)
                start.wait(timeout=30)
                made_item = series.make_next_item(actor, item)
                time.sleep(0.3)  # hold the lock so the other call waits on it
                db.session.commit()
                outcomes.append(made_item.id if made_item else None)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 2 and outcomes.count(None) == 1
    with tenant(ids[0]):
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(WorkItem).where(WorkItem.series_id == ids[3])
        )
    assert count == 2


def test_the_client_page_lists_the_series_and_a_manager_pauses_it(app, desk):
    made = _create(app, desk)
    sid = made["series"]["id"]
    page = web(app, desk.manager).get(f"/{desk.slug}/clients/{desk.client.id}")
    html = page.get_data(as_text=True)
    assert 'data-testid="series-card"' in html and "Weekly update, week of {week}" in html
    assert 'data-action="pause-series"' in html
    va_html = web(app, desk.va).get(f"/{desk.slug}/clients/{desk.client.id}").get_data(as_text=True)
    assert 'data-testid="series-card"' in va_html and 'data-action="pause-series"' not in va_html
    assert web(app, desk.va).post(f"/{desk.slug}/series/{sid}/pause").status_code == 403
    resp = web(app, desk.manager).post(f"/{desk.slug}/series/{sid}/pause")
    assert resp.status_code == 302
    with all_tenants():
        assert db.session.get(WorkSeries, sid).status == "paused"


def test_a_manager_changes_what_the_next_items_are_made_with_and_a_va_cannot(app, desk):
    made = _create(app, desk)
    sid, first = made["series"]["id"], made["item"]
    assert api(app, desk.va).patch(f"/series/{sid}", json={"cadence": "monthly"}).status_code == 403
    manager = api(app, desk.manager)
    bad = manager.patch(f"/series/{sid}", json={"cadence": "hourly"})
    assert bad.status_code == 422 and "cadence" in bad.json["errors"]
    stranger = manager.patch(f"/series/{sid}", json={"assignee_id": desk.other_va.id})
    assert stranger.status_code == 422 and "assignee_id" in stranger.json["errors"]
    unchanged = manager.get(f"/series/{sid}").json
    assert (unchanged["cadence"], unchanged["title_pattern"]) == (
        "weekly",
        "Weekly update, week of {week}",
    )

    ok = manager.patch(
        f"/series/{sid}", json={"cadence": "fortnightly", "title_pattern": "Update {n}, {date}"}
    )
    assert ok.status_code == 200 and ok.json["cadence"] == "fortnightly"
    _deliver(app, desk, first["id"])
    items = _items(sid)
    # The item made already keeps its title; the next one follows the new pattern and cadence.
    assert items[0].title == "Weekly update, week of 8 Mar"
    assert items[1].title.startswith("Update 2, ") and "22" in items[1].title
    assert items[1].due_at - items[0].due_at == dt.timedelta(days=14, hours=-1)

    assert manager.post(f"/series/{sid}/end").status_code == 200
    ended = manager.patch(f"/series/{sid}", json={"cadence": "weekly"})
    assert ended.status_code == 409  # an ended series is not changed
