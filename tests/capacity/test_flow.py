"""Pages and API of capacity: own hours, the time off request/approve/decline/cancel flow
with its audit trail, role and tenant rules, bad input, client business hours and slots."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.capacity.models import ClientHours, MeetingSlot, TimeOff, WorkingHours
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.capacity.support import add_time_off, set_hours
from tests.clients.support import api, count_rows, fetch, make_team, web
from tests.factories import AssignmentFactory

DAY = "2026-03-20"


def _actions(agency_id: int) -> list[str]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.agency_id == agency_id, AuditEvent.action.like("time_off.%"))
                .order_by(AuditEvent.id)
            )
        )


def _put(app, member, path, body):
    client = api(app, member)
    return client.client.put(client._url(path), json=body, headers=client.headers)


def test_request_approve_flow_with_audit_and_dashboard_count(app, team):
    va = web(app, team.va)
    resp = va.post(
        f"/{team.slug}/capacity/time-off",
        data={"starts_on": DAY, "ends_on": "2026-03-24", "kind": "vacation", "note": "Family"},
    )
    assert resp.status_code == 302
    with all_tenants():
        row = db.session.scalar(sa.select(TimeOff).where(TimeOff.membership_id == team.va.id))
    assert row.state == "pending"
    manager = web(app, team.manager)
    dash = manager.get(f"/{team.slug}/").get_data(as_text=True)
    assert 'data-testid="time-off-pending"' in dash
    page = manager.get(f"/{team.slug}/capacity/team").get_data(as_text=True)
    assert page.count('data-testid="pending-row"') == 1
    assert (
        web(app, team.va).post(f"/{team.slug}/capacity/time-off/{row.id}/approve").status_code
        == 403
    )
    assert manager.post(f"/{team.slug}/capacity/time-off/{row.id}/approve").status_code == 302
    assert fetch(TimeOff, row.id).state == "approved"
    # The VA may no longer cancel it; a manager may.
    va.post(f"/{team.slug}/capacity/time-off/{row.id}/cancel")
    assert fetch(TimeOff, row.id).state == "approved"
    manager.post(f"/{team.slug}/capacity/time-off/{row.id}/cancel")
    assert fetch(TimeOff, row.id).state == "cancelled"
    assert _actions(team.agency.id) == [
        "time_off.requested",
        "time_off.approved",
        "time_off.cancelled",
    ]


def test_decline_needs_a_reason_and_the_va_reads_it(app, team):
    row = add_time_off(team.va, dt.date(2026, 3, 20), state="pending")
    manager = web(app, team.manager)
    resp = manager.post(f"/{team.slug}/capacity/time-off/{row.id}/decline", data={"reason": " "})
    assert resp.status_code == 422
    assert 'data-field-error="reason"' in resp.get_data(as_text=True)
    assert fetch(TimeOff, row.id).state == "pending"
    manager.post(f"/{team.slug}/capacity/time-off/{row.id}/decline", data={"reason": "Launch week"})
    assert fetch(TimeOff, row.id).state == "declined"
    mine = web(app, team.va).get(f"/{team.slug}/capacity/me").get_data(as_text=True)
    assert "Launch week" in mine


def test_va_cancels_own_pending_request(app, team):
    row = add_time_off(team.va, dt.date(2026, 3, 20), state="pending")
    resp = api(app, team.va).post(f"/time-off/{row.id}/cancel")
    assert resp.status_code == 200 and resp.json["state"] == "cancelled"
    again = api(app, team.va).post(f"/time-off/{row.id}/cancel")
    assert again.status_code == 409


def test_manager_enters_time_off_approved_at_once_and_capacity_drops(app, team):
    client = api(app, team.manager)
    resp = client.post(
        "/time-off",
        json={"membership_id": team.va.id, "starts_on": "2026-03-09", "ends_on": "2026-03-13"},
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["state"] == "approved"
    caps = api(app, team.va).get(f"/members/{team.va.id}/capacity?weeks=3").json["weeks"]
    assert [w["minutes"] for w in caps] == [2400, 0, 2400]
    assert _actions(team.agency.id) == ["time_off.entered"]


def test_time_off_input_is_checked(app, team):
    client = api(app, team.va)
    bad = [
        ({"starts_on": DAY, "ends_on": "2026-03-19"}, "ends_on"),
        ({"starts_on": DAY, "ends_on": "2026-03-21", "hours": 2}, "hours"),
        ({"starts_on": DAY, "hours": 30}, "hours"),
        ({"starts_on": DAY, "kind": "party"}, "kind"),
        ({"starts_on": DAY, "membership_id": team.qa.id}, "membership_id"),
        ({"starts_on": "2026-02-30"}, "starts_on"),
    ]
    for body, field in bad:
        resp = client.post("/time-off", json=body)
        assert resp.status_code == 422, (body, resp.json)
        assert field in resp.json["errors"], (body, resp.json)
    assert client.post("/time-off", json={"starts_on": DAY, "hours": 2.5}).status_code == 201
    overlap = client.post("/time-off", json={"starts_on": DAY})
    assert overlap.status_code == 422 and "starts_on" in overlap.json["errors"]
    assert count_rows(TimeOff, team.agency.id) == 1
    with all_tenants():
        assert db.session.scalar(sa.select(TimeOff.minutes)) == 150


def test_va_edits_own_hours_not_anyone_elses(app, team):
    va = web(app, team.va)
    form = {
        "mon_1_start": "09:00",
        "mon_1_end": "12:30",
        "mon_2_start": "13:30",
        "mon_2_end": "17:30",
        "tue_1_start": "22:00",
        "tue_1_end": "00:00",
        "country": "PH",
    }
    assert va.post(f"/{team.slug}/capacity/me/hours", data=form).status_code == 302
    with all_tenants():
        row = db.session.scalar(
            sa.select(WorkingHours).where(WorkingHours.membership_id == team.va.id)
        )
    assert row.schedule[0] == [[540, 750], [810, 1050]]
    assert row.schedule[1] == [[1320, 1440]]
    assert row.country == "PH"
    hours = api(app, team.va).get(f"/members/{team.va.id}/working-hours").json
    assert hours["days"]["mon"] == [
        {"start": "09:00", "end": "12:30"},
        {"start": "13:30", "end": "17:30"},
    ]
    assert hours["weekly_minutes"] == 450 + 120
    assert (
        _put(app, team.va, f"/members/{team.qa.id}/working-hours", {"days": {}}).status_code == 403
    )
    assert (
        va.post(f"/{team.slug}/capacity/members/{team.qa.id}/hours", data=form).status_code == 403
    )
    ok = _put(
        app,
        team.manager,
        f"/members/{team.qa.id}/working-hours",
        {
            "days": {"sat": [{"start": "10:00", "end": "14:00"}]},
            "country": "US",
            "subdivision": "CA",
        },
    )
    assert ok.status_code == 200, ok.json
    assert ok.json["weekly_minutes"] == 240 and ok.json["subdivision"] == "CA"


def test_bad_hours_are_refused_naming_the_field(app, team):
    va = web(app, team.va)
    for form, field in [
        ({"mon_1_start": "12:00", "mon_1_end": "09:00"}, "mon_1_end"),
        ({"mon_1_start": "09:00"}, "mon_1_end"),
        (
            {
                "mon_1_start": "09:00",
                "mon_1_end": "13:00",
                "mon_2_start": "12:00",
                "mon_2_end": "15:00",
            },
            "mon_2_end",
        ),
        ({"mon_1_start": "25:61", "mon_1_end": "13:00"}, "mon_1_start"),
        ({"country": "ZZ"}, "country"),
        ({"country": "US", "subdivision": "XX"}, "subdivision"),
    ]:
        resp = va.post(f"/{team.slug}/capacity/me/hours", data=form)
        assert resp.status_code == 422, form
        assert f'data-field-error="{field}"' in resp.get_data(as_text=True), form
    api_bad = _put(
        app,
        team.va,
        f"/members/{team.va.id}/working-hours",
        {"days": {"mon": [{"start": "09:00", "end": "08:00"}]}},
    )
    assert api_bad.status_code == 422 and "days" in api_bad.json["errors"]
    too_many = _put(
        app,
        team.va,
        f"/members/{team.va.id}/working-hours",
        {"days": {"mon": [{"start": "01:00", "end": "02:00"}] * 3}},
    )
    assert too_many.status_code == 422
    assert count_rows(WorkingHours, team.agency.id) == 0


def test_capacity_and_holiday_queries_are_bounded(app, team):
    set_hours(team.va, zone="Asia/Manila", country="PH")
    client = api(app, team.va)
    assert client.get(f"/members/{team.va.id}/capacity?weeks=27").status_code == 422
    assert client.get(f"/members/{team.va.id}/capacity?weeks=0").status_code == 422
    assert len(client.get(f"/members/{team.va.id}/capacity?weeks=26").json["weeks"]) == 26
    assert (
        client.get(f"/members/{team.va.id}/holidays?from_year=2027&to_year=2026").status_code == 422
    )
    assert (
        client.get(f"/members/{team.va.id}/holidays?from_year=2020&to_year=2030").status_code == 422
    )
    assert client.get(f"/members/{team.va.id}/holidays?from_year=1900").status_code == 422
    got = client.get(f"/members/{team.va.id}/holidays?from_year=2026&to_year=2026").json
    assert {"date": "2026-06-12", "name": "Independence Day"} in got["items"]
    us = api(app, team.manager).get(
        f"/clients/{team.client.id}/holidays?from_year=2026&to_year=2026"
    )
    assert {"date": "2026-11-26", "name": "Thanksgiving Day"} in us.json["items"]


def test_client_business_hours_and_meeting_slots(app, team):
    AssignmentFactory(client=team.client, membership=team.va)
    manager = web(app, team.manager)
    page = manager.get(f"/{team.slug}/capacity/clients/{team.client.id}/hours")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('data-testid="proposal"') == 3
    detail = manager.get(f"/{team.slug}/clients/{team.client.id}").get_data(as_text=True)
    assert 'data-testid="client-hours-link"' in detail
    resp = manager.post(
        f"/{team.slug}/capacity/clients/{team.client.id}/hours",
        data={"mon_1_start": "08:00", "mon_1_end": "12:00"},
    )
    assert resp.status_code == 302
    got = api(app, team.manager).get(f"/clients/{team.client.id}/business-hours").json
    assert got["days"]["mon"] == [{"start": "08:00", "end": "12:00"}] and got["days"]["tue"] == []
    proposal = api(app, team.manager).get(f"/clients/{team.client.id}/meeting-proposal").json
    assert proposal["membership_id"] == team.va.id
    assert [(p["weekday"], p["start"]) for p in proposal["items"]] == [
        (0, "08:00"),
        (0, "08:30"),
        (0, "09:00"),
    ]
    made = api(app, team.manager).post(
        "/meeting-slots",
        json={
            "client_id": team.client.id,
            "membership_id": team.va.id,
            "weekday": 0,
            "start": "09:00",
        },
    )
    assert made.status_code == 201, made.json
    assert count_rows(MeetingSlot, team.agency.id) == 1
    assert (
        web(app, team.va).get(f"/{team.slug}/capacity/clients/{team.client.id}/hours").status_code
        == 403
    )
    assert api(app, team.va).get("/meeting-slots").status_code == 403
    assert api(app, team.manager).delete(f"/meeting-slots/{made.json['id']}").status_code == 204
    assert count_rows(MeetingSlot, team.agency.id) == 0
    assert count_rows(ClientHours, team.agency.id) == 1


def test_another_agencys_objects_are_not_found(app, team, frozen):
    other = make_team()
    row = add_time_off(other.va, dt.date(2026, 3, 20), state="pending")
    manager = api(app, team.manager)
    assert manager.post(f"/time-off/{row.id}/approve").status_code == 404
    assert manager.get(f"/members/{other.va.id}/working-hours").status_code == 404
    assert manager.get(f"/clients/{other.client.id}/business-hours").status_code == 404
    resp = manager.post("/time-off", json={"membership_id": other.va.id, "starts_on": DAY})
    assert resp.status_code == 422
    assert (
        web(app, team.manager)
        .get(f"/{team.slug}/capacity/team")
        .get_data(as_text=True)
        .count('data-testid="pending-row"')
        == 0
    )
    assert fetch(TimeOff, row.id).state == "pending"
