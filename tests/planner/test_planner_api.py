"""The planner's JSON API: a member's blocks of a week, planning, moving, resizing and
removing a block with the same rules as the page (422 naming the field), the warnings in
the answer, and who may do what."""

from __future__ import annotations

import datetime as dt

from tests.capacity.support import add_time_off, set_hours
from tests.clients.support import api
from tests.factories import MembershipFactory
from tests.planner.support import UTC, block, blocks_of, item, set_client_zone


def _setup(team):
    set_hours(team.va, zone="Asia/Manila")
    set_client_zone(team.client, "America/New_York")
    return item(team, minutes=300, due=dt.datetime(2026, 3, 5, 3, tzinfo=UTC))


def test_plan_list_move_and_remove(app, team):
    work = _setup(team)
    va = api(app, team.va)
    resp = va.post(
        f"/members/{team.va.id}/time-blocks",
        json={"work_item_id": work.id, "starts_at": "2026-03-05T02:00:00Z", "minutes": 90},
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["local_start"] == "2026-03-05T10:00:00+08:00"
    assert body["client_start"] == "2026-03-04T21:00:00-05:00"
    assert body["ends_after_due"] is True
    assert any("after the work item is due" in w for w in body["warnings"])
    week = va.get(f"/members/{team.va.id}/time-blocks?week=2026-03-06").json
    assert week["week_start"] == "2026-03-02" and week["time_zone"] == "Asia/Manila"
    assert [b["id"] for b in week["items"]] == [body["id"]]
    assert week["planned_minutes"] == 300  # 210 left of the estimate, spread, and the block
    moved = va.patch(
        f"/time-blocks/{body['id']}", json={"starts_at": "2026-03-05T05:00:00Z", "minutes": 60}
    )
    assert moved.status_code == 200 and moved.json["minutes"] == 60
    assert va.get(f"/time-blocks/{body['id']}").json["starts_at"].startswith("2026-03-05T05:00:00")
    assert va.delete(f"/time-blocks/{body['id']}").status_code == 204
    assert blocks_of(team.va) == []


def test_the_same_rules_as_the_page(app, team):
    work = _setup(team)
    add_time_off(team.va, dt.date(2026, 3, 6))
    block(team.va, work, dt.datetime(2026, 3, 5, 2, tzinfo=UTC), 60)
    va = api(app, team.va)
    url = f"/members/{team.va.id}/time-blocks"
    for starts_at, message in (
        ("2026-03-05T08:30:00Z", "Outside working hours"),  # 16:30-17:30 Manila
        ("2026-03-06T02:00:00Z", "On time off"),
        ("2026-03-05T01:30:00Z", "Overlaps another block"),
    ):
        resp = va.post(url, json={"work_item_id": work.id, "starts_at": starts_at, "minutes": 60})
        assert resp.status_code == 422
        assert message in resp.json["errors"]["starts_at"][0]
    other = item(team, MembershipFactory(agency=team.agency, role="va"))
    resp = va.post(
        url, json={"work_item_id": other.id, "starts_at": "2026-03-05T04:00:00Z", "minutes": 60}
    )
    assert resp.status_code == 422 and "work_item_id" in resp.json["errors"]
    resp = va.post(
        url, json={"work_item_id": work.id, "starts_at": "2026-03-05T04:00:00Z", "minutes": 10}
    )
    assert resp.status_code == 422 and "minutes" in resp.json["errors"]
    resp = va.get(f"{url}?week=someday")
    assert resp.status_code == 422 and "week" in resp.json["errors"]
    assert len(blocks_of(team.va)) == 1


def test_who_may_plan(app, team):
    work = _setup(team)
    row = block(team.va, work, dt.datetime(2026, 3, 5, 2, tzinfo=UTC), 60)
    other = MembershipFactory(agency=team.agency, role="va")
    body = {"work_item_id": work.id, "starts_at": "2026-03-05T04:00:00Z", "minutes": 60}
    assert api(app, other).get(f"/members/{team.va.id}/time-blocks").status_code == 403
    assert api(app, other).post(f"/members/{team.va.id}/time-blocks", json=body).status_code == 403
    assert api(app, other).delete(f"/time-blocks/{row.id}").status_code == 404
    assert api(app, team.qa).get(f"/members/{team.qa.id}/time-blocks").status_code == 403
    assert api(app, team.contact).get(f"/members/{team.va.id}/time-blocks").status_code == 403
    manager = api(app, team.manager)
    assert manager.post(f"/members/{team.va.id}/time-blocks", json=body).status_code == 201
    assert manager.patch(f"/time-blocks/{row.id}", json={"minutes": 30}).status_code == 200
    assert len(blocks_of(team.va)) == 2
