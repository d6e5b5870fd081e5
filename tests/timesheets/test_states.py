"""The timesheet state machine through the API: submit, reject with a reason, submit
again, approve (every entry of the week approved and locked), reopen (billed time stays
locked); what a submitted or approved week refuses."""

from __future__ import annotations

import datetime as dt

from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import api
from tests.factories import AgencyFactory, MembershipFactory
from tests.timesheets.support import LAST_MONDAY, THIS_MONDAY, add_entry, entry, sheet


def test_submit_reject_resubmit_approve_reopen(app, tt):
    inside = add_entry(tt, LAST_MONDAY + dt.timedelta(days=2))
    sunday = add_entry(tt, LAST_MONDAY + dt.timedelta(days=6), client_id=tt.other_client_id)
    outside = add_entry(tt, THIS_MONDAY)
    va, owner, manager = api(app, tt.va), api(app, tt.owner), api(app, tt.manager)

    resp = va.post("/timesheets/submit", json={"week": "2026-03-04"})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["state"] == "submitted" and body["week_start"] == "2026-03-02"
    assert body["week_end"] == "2026-03-08"
    again = va.post("/timesheets/submit", json={"week": "2026-03-02"})
    assert again.status_code == 409 and again.json["error"] == "timesheet_submitted"

    assert va.post(f"/timesheets/{body['id']}/approve").status_code == 403
    no_reason = owner.post(f"/timesheets/{body['id']}/reject", json={"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    missing = owner.post(f"/timesheets/{body['id']}/reject", json={})
    assert missing.status_code == 422 and "reason" in missing.json["errors"]

    rejected = owner.post(f"/timesheets/{body['id']}/reject", json={"reason": "Split Monday"})
    assert rejected.status_code == 200 and rejected.json["state"] == "rejected"
    seen = va.get(f"/timesheets/{body['id']}").json
    assert seen["reject_reason"] == "Split Monday"
    # A rejected week is open again: the VA changes it and submits it again.
    fixed = va.patch(f"/time-entries/{inside}", json={"notes": "Split"})
    assert fixed.status_code == 200, fixed.json
    assert va.post("/timesheets/submit", json={"week": "2026-03-05"}).status_code == 201

    approved = manager.post(f"/timesheets/{body['id']}/approve")
    assert approved.status_code == 200 and approved.json["state"] == "approved"
    assert entry(inside).approved_at is not None and entry(sunday).approved_at is not None
    assert entry(inside).approved_by_id == tt.manager.user_id
    assert entry(outside).approved_at is None
    locked = va.patch(f"/time-entries/{inside}", json={"notes": "late"})
    assert locked.status_code == 409 and locked.json["error"] == "time_approved"
    late = va.post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-03", "duration": "1:00"},
    )
    assert late.status_code == 422 and "date" in late.json["errors"]

    assert va.post(f"/timesheets/{body['id']}/reopen").status_code == 403
    reopened = owner.post(f"/timesheets/{body['id']}/reopen")
    assert reopened.status_code == 200 and reopened.json["state"] == "reopened"
    assert entry(inside).approved_at is None
    assert va.patch(f"/time-entries/{inside}", json={"notes": "again"}).status_code == 200


def test_reopen_keeps_billed_time_locked(app, tt):
    from tests.factories import InvoiceFactory

    billed = add_entry(tt, LAST_MONDAY)
    open_one = add_entry(tt, LAST_MONDAY + dt.timedelta(days=1))
    owner = api(app, tt.owner)
    made = owner.post(
        "/timesheets/submit", json={"week": "2026-03-02", "membership_id": tt.va.id}
    ).json
    assert owner.post(f"/timesheets/{made['id']}/approve").status_code == 200
    invoice = InvoiceFactory(client=tt.team.client)
    with all_tenants():
        row = entry(billed)
        row.invoice_id = invoice.id
        db.session.flush()
    assert owner.post(f"/timesheets/{made['id']}/reopen").status_code == 200
    assert entry(billed).approved_at is not None and entry(billed).invoice_id == invoice.id
    assert entry(open_one).approved_at is None
    resp = api(app, tt.va).patch(f"/time-entries/{billed}", json={"notes": "x"})
    assert resp.status_code == 409 and resp.json["error"] == "time_billed"


def test_submitted_week_is_locked_for_the_va_not_for_managers(app, tt):
    one = add_entry(tt, LAST_MONDAY)
    va, manager = api(app, tt.va), api(app, tt.manager)
    assert va.post("/timesheets/submit", json={"week": "2026-03-02"}).status_code == 201
    changed = va.patch(f"/time-entries/{one}", json={"notes": "x"})
    assert changed.status_code == 409 and changed.json["error"] == "timesheet_submitted"
    assert va.delete(f"/time-entries/{one}").status_code == 409
    added = va.post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-04", "duration": "0:30"},
    )
    assert added.status_code == 422 and "date" in added.json["errors"]
    moved = va.post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-10", "duration": "0:30"},
    )
    assert moved.status_code == 201
    # ... and moving an open entry into the submitted week is refused on `date`.
    into = va.patch(f"/time-entries/{moved.json['id']}", json={"date": "2026-03-03"})
    assert into.status_code == 422 and "date" in into.json["errors"]
    assert manager.patch(f"/time-entries/{one}", json={"notes": "fixed"}).status_code == 200


def test_submit_refuses_future_empty_and_running_weeks(app, tt):
    va = api(app, tt.va)
    future = va.post("/timesheets/submit", json={"week": "2026-03-16"})
    assert future.status_code == 422 and "week" in future.json["errors"]
    empty = va.post("/timesheets/submit", json={"week": "2026-03-02"})
    assert empty.status_code == 422 and "week" in empty.json["errors"]
    assert va.post("/timer/start", json={"client_id": tt.client_id}).status_code == 201
    running = va.post("/timesheets/submit", json={})
    assert running.status_code == 422 and "week" in running.json["errors"]
    assert va.post("/timer/stop").status_code == 200
    assert va.post("/timesheets/submit", json={}).status_code == 201
    # The current week submitted: the VA cannot start a timer in it any more.
    assert va.post("/timer/start", json={"client_id": tt.client_id}).status_code == 422


def test_roles_and_other_agencies(app, tt):
    add_entry(tt, LAST_MONDAY)
    made = api(app, tt.va).post("/timesheets/submit", json={"week": "2026-03-02"}).json
    for who in (tt.qa, tt.contact):
        client = api(app, who)
        assert client.get("/timesheets").status_code == 403
        assert client.get(f"/timesheets/{made['id']}").status_code == 403
        assert client.post(f"/timesheets/{made['id']}/approve").status_code == 403
        assert client.post("/timesheets/submit", json={}).status_code == 403
    # A VA submits only their own week.
    other_va = MembershipFactory(agency=tt.agency, role="va")
    refused = api(app, tt.va).post(
        "/timesheets/submit", json={"week": "2026-03-02", "membership_id": other_va.id}
    )
    assert refused.status_code == 422 and "membership_id" in refused.json["errors"]
    assert api(app, other_va).get(f"/timesheets/{made['id']}").status_code == 404
    stranger = MembershipFactory(agency=AgencyFactory(), role="owner")
    outside = api(app, stranger)
    assert outside.get(f"/timesheets/{made['id']}").status_code == 404
    assert outside.post(f"/timesheets/{made['id']}/approve").status_code == 404
    assert outside.post(f"/timesheets/{made['id']}/reject", json={"reason": "x"}).status_code == 404
    assert sheet(made["id"]).state == "submitted"


def test_list_filters(app, tt):
    add_entry(tt, LAST_MONDAY)
    add_entry(tt, THIS_MONDAY)
    va, owner = api(app, tt.va), api(app, tt.owner)
    first = va.post("/timesheets/submit", json={"week": "2026-03-02"}).json
    second = va.post("/timesheets/submit", json={"week": "2026-03-09"}).json
    owner.post(f"/timesheets/{first['id']}/approve")
    ids = lambda q: [s["id"] for s in owner.get(f"/timesheets{q}").json["items"]]  # noqa: E731
    assert ids("") == [second["id"], first["id"]]
    assert ids("?state=approved") == [first["id"]]
    assert ids("?week=2026-03-12") == [second["id"]]
    assert ids(f"?member_id={tt.va.id}&state=submitted") == [second["id"]]
    assert owner.get("/timesheets?state=nope").status_code == 422
