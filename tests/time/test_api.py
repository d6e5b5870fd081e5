"""The time API: entries listed with filters, created, changed and deleted; the timer's
current, start and stop; 422 naming each field."""

from __future__ import annotations

from tests.clients.support import api
from tests.time.support import entries_of


def _post(client, tt, **kw):
    body = {"client_id": tt.client_id, "date": "2026-03-10", "start": "09:00", "end": "10:00"}
    resp = client.post("/time-entries", json={**body, **kw})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_list_filters_by_client_work_item_and_dates(app, tt):
    va = api(app, tt.va)
    a = _post(va, tt, work_item_id=tt.work_item_id, activity_id=tt.activity_id)
    b = _post(va, tt, client_id=tt.other_client_id, date="2026-03-09")
    c = _post(va, tt, date="2026-03-02")
    assert a["activity_name"] == "Admin"

    def ids(query: str) -> list[int]:
        resp = va.get(f"/time-entries{query}")
        assert resp.status_code == 200, resp.json
        return [e["id"] for e in resp.json["items"]]

    assert ids("") == [a["id"], b["id"], c["id"]]
    assert ids(f"?client_id={tt.client_id}") == [a["id"], c["id"]]
    assert ids(f"?work_item_id={tt.work_item_id}") == [a["id"]]
    assert ids("?date_from=2026-03-03&date_to=2026-03-09") == [b["id"]]
    bad = va.get("/time-entries?date_from=2026-03-09&date_to=2026-03-01")
    assert bad.status_code == 422 and "date_to" in bad.json["errors"]


def test_update_and_delete(app, tt):
    va = api(app, tt.va)
    entry = _post(va, tt)
    resp = va.patch(f"/time-entries/{entry['id']}", json={"duration": "2:15", "notes": "Payroll"})
    assert resp.status_code == 200, resp.json
    assert resp.json["duration_seconds"] == 135 * 60 and resp.json["started_at"] is None
    assert resp.json["notes"] == "Payroll"
    bad = va.patch(f"/time-entries/{entry['id']}", json={"duration": "20:00"})
    assert bad.status_code == 422 and "duration" in bad.json["errors"]
    assert va.delete(f"/time-entries/{entry['id']}").status_code == 204
    assert entries_of(tt.va.id) == []


def test_bad_input_names_each_field(app, tt):
    resp = api(app, tt.va).post(
        "/time-entries",
        json={"date": "yesterday", "start": "25:00", "duration": "soon", "client_id": 0},
    )
    assert resp.status_code == 422
    assert {"date", "start", "duration", "client_id"} <= set(resp.json["errors"])
    both = api(app, tt.va).post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-10", "start": "09:00", "duration": "1"},
    )
    assert both.status_code == 422 and "duration" in both.json["errors"]
    assert entries_of(tt.va.id) == []


def test_timer_current_start_stop(app, tt):
    va = api(app, tt.va)
    assert va.get("/timer").json == {"running": False, "entry": None, "stopped": None}
    started = va.post("/timer/start", json={"client_id": tt.client_id, "notes": "Inbox"})
    assert started.status_code == 201
    current = va.get("/timer").json
    assert current["running"] is True and current["entry"]["notes"] == "Inbox"
    stopped = va.post("/timer/stop")
    assert stopped.status_code == 200 and stopped.json["stopped"]["running"] is False
    assert va.get("/timer").json["running"] is False


def test_activities_listed(app, tt):
    names = [a["name"] for a in api(app, tt.va).get("/time-activities").json]
    assert "Admin" in names and "Research" in names
