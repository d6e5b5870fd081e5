"""The rules of a time entry, through the API a VA uses: at most 16 hours, nothing after
today in the person's zone, the end after the start, a work item of the entry's client,
the true length across a daylight-saving change, and an overlap that asks to be confirmed."""

from __future__ import annotations

import time_machine

from app.clients.models import Client
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import api
from tests.factories import InvoiceFactory
from tests.time.support import NOW, entries_of, make_time_team


def _body(tt, **kw):
    return {"client_id": tt.client_id, "date": "2026-03-10", "start": "09:00", **kw}


def test_an_entry_with_start_and_end_is_stored_as_utc_instants(app, tt):
    resp = api(app, tt.va).post("/time-entries", json=_body(tt, end="10:30", notes="Invoices"))
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["duration_seconds"] == 5400 and body["billable"] is True
    assert body["started_at"].startswith("2026-03-10T09:00:00") and body["running"] is False
    assert body["membership_id"] == tt.va.id and body["zone"] == "UTC"


def test_a_duration_only_entry(app, tt):
    resp = api(app, tt.va).post(
        "/time-entries", json={"client_id": tt.client_id, "date": "2026-03-10", "duration": "1:45"}
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["duration_seconds"] == 105 * 60 and resp.json["started_at"] is None


def test_over_16_hours_is_refused(app, tt):
    va = api(app, tt.va)
    resp = va.post("/time-entries", json=_body(tt, start="06:00", end="22:01"))
    assert resp.status_code == 422 and "end" in resp.json["errors"]
    resp = va.post("/time-entries", json={**_body(tt, start=None), "duration": "16:30"})
    assert resp.status_code == 422 and "duration" in resp.json["errors"]
    assert va.post("/time-entries", json=_body(tt, start="06:00", end="22:00")).status_code == 201


def test_the_future_beyond_today_is_refused(app, tt):
    va = api(app, tt.va)
    resp = va.post("/time-entries", json=_body(tt, date="2026-03-12", end="10:00"))
    assert resp.status_code == 422
    assert "future" in resp.json["errors"]["date"][0]
    assert not entries_of(tt.va.id)


def test_tomorrow_in_the_persons_zone_is_today_in_theirs(app):
    """At 15:00 UTC it is already the next day in Auckland: the Auckland VA may enter it."""
    with time_machine.travel(NOW.replace(hour=13), tick=False):
        tt = make_time_team(va_zone="Pacific/Auckland")
        body = {"client_id": tt.client_id, "date": "2026-03-12", "start": "08:00", "end": "09:00"}
        assert api(app, tt.va).post("/time-entries", json=body).status_code == 201


def test_an_end_before_the_start_is_refused(app, tt):
    resp = api(app, tt.va).post("/time-entries", json=_body(tt, start="11:00", end="10:00"))
    assert resp.status_code == 422
    assert resp.json["errors"]["end"] == [
        "The end is before the start: give an end after the start."
    ]


def test_a_work_item_of_another_client_is_refused(app, tt):
    resp = api(app, tt.va).post(
        "/time-entries", json=_body(tt, end="10:00", work_item_id=tt.other_work_item_id)
    )
    assert resp.status_code == 422
    assert "another client" in resp.json["errors"]["work_item_id"][0]
    ok = api(app, tt.va).post(
        "/time-entries", json=_body(tt, end="10:00", work_item_id=tt.work_item_id)
    )
    assert ok.status_code == 201 and ok.json["work_item_id"] == tt.work_item_id


def test_a_night_across_the_spring_forward_has_its_true_length(app, frozen):
    """New York, 8 March 2026: clocks jump from 02:00 to 03:00, so 01:00 to 04:00 is 2 h."""
    tt = make_time_team(va_zone="America/New_York")
    resp = api(app, tt.va).post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-08", "start": "01:00", "end": "04:00"},
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["duration_seconds"] == 2 * 3600
    assert resp.json["started_at"].startswith("2026-03-08T06:00:00")  # 01:00 EST


def test_a_night_across_the_fall_back_has_its_true_length(app):
    """New York, 1 November 2026: 01:00-02:00 happens twice, so 00:30 to 03:30 is 4 h."""
    with time_machine.travel(NOW.replace(month=11, day=4), tick=False):
        tt = make_time_team(va_zone="America/New_York")
        resp = api(app, tt.va).post(
            "/time-entries",
            json={
                "client_id": tt.client_id,
                "date": "2026-11-01",
                "start": "00:30",
                "end": "03:30",
            },
        )
        assert resp.status_code == 201, resp.json
        assert resp.json["duration_seconds"] == 4 * 3600


def test_a_time_the_clocks_skipped_is_refused(app, frozen):
    tt = make_time_team(va_zone="America/New_York")
    resp = api(app, tt.va).post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-08", "start": "02:30", "end": "04:00"},
    )
    assert resp.status_code == 422 and "clocks moved forward" in resp.json["errors"]["start"][0]


def test_an_overlap_warns_and_saves_once_confirmed(app, tt):
    va = api(app, tt.va)
    assert va.post("/time-entries", json=_body(tt, end="10:00")).status_code == 201
    resp = va.post("/time-entries", json=_body(tt, start="09:30", end="11:00"))
    assert resp.status_code == 422
    assert resp.json["error_codes"]["confirm_overlap"] == ["overlap"]
    assert "09:00–10:00" in resp.json["errors"]["confirm_overlap"][0]
    assert len(entries_of(tt.va.id)) == 1
    resp = va.post(
        "/time-entries", json=_body(tt, start="09:30", end="11:00", confirm_overlap=True)
    )
    assert resp.status_code == 201
    # Back to back is not an overlap.
    assert va.post("/time-entries", json=_body(tt, start="11:00", end="12:00")).status_code == 201
    assert len(entries_of(tt.va.id)) == 3


def test_the_overlap_warning_on_the_form_asks_to_confirm(app, tt):
    from tests.clients.support import web

    browser = web(app, tt.va)
    form = {"client_id": tt.client_id, "date": "2026-03-10", "start": "09:00", "end": "10:00"}
    assert browser.post(f"/{tt.slug}/time/new", data=form).status_code == 302
    resp = browser.post(f"/{tt.slug}/time/new", data={**form, "start": "09:15"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-testid="overlap-warning"' in page
    assert 'name="confirm_overlap"' in page
    resp = browser.post(
        f"/{tt.slug}/time/new", data={**form, "start": "09:15", "confirm_overlap": "on"}
    )
    assert resp.status_code == 302
    assert len(entries_of(tt.va.id)) == 2


def test_approved_and_billed_entries_are_locked(app, tt):
    """Approved time changes only after its timesheet is reopened; billed time never (a
    correction is a credit note and a new entry). Neither is edited nor deleted."""
    va = api(app, tt.va)
    entry_id = va.post("/time-entries", json=_body(tt, end="10:00")).json["id"]
    entry = entries_of(tt.va.id)[0]
    with all_tenants():
        entry.approved_at = NOW
        db.session.flush()
    resp = va.patch(f"/time-entries/{entry_id}", json={"notes": "changed"})
    assert resp.status_code == 409 and resp.json["error"] == "time_approved"
    assert va.delete(f"/time-entries/{entry_id}").status_code == 409
    with all_tenants():
        entry.approved_at = None
        entry.invoice_id = InvoiceFactory(client=db.session.get(Client, tt.client_id)).id
        db.session.flush()
    owner = api(app, tt.owner)
    resp = owner.patch(f"/time-entries/{entry_id}", json={"notes": "changed"})
    assert resp.status_code == 409 and resp.json["error"] == "time_billed"
    assert owner.delete(f"/time-entries/{entry_id}").status_code == 409
    assert entries_of(tt.va.id)[0].notes is None


def test_an_overnight_entry_ends_the_next_morning(app, tt):
    """22:00 to 02:00 is four hours across midnight, counted on the day it started; an end
    before the start that cannot be the next morning is still refused."""
    va = api(app, tt.va)
    resp = va.post("/time-entries", json=_body(tt, date="2026-03-09", start="22:00", end="02:00"))
    assert resp.status_code == 201, resp.json
    assert resp.json["duration_seconds"] == 4 * 3600
    assert resp.json["ended_at"].startswith("2026-03-10T02:00:00")
    # 11:00 to 10:00 would be 23 hours: a mistake, not a night shift.
    resp = va.post("/time-entries", json=_body(tt, start="11:00", end="10:00"))
    assert resp.status_code == 422 and "end" in resp.json["errors"]
    # Started last night, ending tomorrow morning: not yet.
    resp = va.post("/time-entries", json=_body(tt, date="2026-03-11", start="23:00", end="01:00"))
    assert resp.status_code == 422 and "future" in resp.json["errors"]["end"][0]
