"""Who sees and changes whose time: a VA their own only; owners and managers anyone's, on
the record (audit event with before and after); QA reviewers and client contacts none of
it; another agency's entries do not exist."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import api, web
from tests.factories import AssignmentFactory, MembershipFactory
from tests.time.support import entries_of, make_time_team

ENTRY = {"date": "2026-03-10", "start": "09:00", "end": "10:00"}


def _entry(app, tt, who=None) -> int:
    resp = api(app, who or tt.va).post("/time-entries", json={"client_id": tt.client_id, **ENTRY})
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def test_a_va_sees_and_changes_only_their_own_time(app, tt):
    other_va = MembershipFactory(agency=tt.agency, role="va")
    AssignmentFactory(client=tt.team.client, membership=other_va)
    db.session.flush()
    mine = _entry(app, tt)
    theirs = _entry(app, tt, other_va)
    va = api(app, tt.va)
    assert [e["id"] for e in va.get("/time-entries").json["items"]] == [mine]
    assert va.get(f"/time-entries/{theirs}").status_code == 404
    assert va.patch(f"/time-entries/{theirs}", json={"notes": "x"}).status_code == 404
    assert va.delete(f"/time-entries/{theirs}").status_code == 404
    browser = web(app, tt.va)
    assert browser.get(f"/{tt.slug}/time/{theirs}/edit").status_code == 404
    assert browser.post(f"/{tt.slug}/time/{theirs}/delete").status_code == 404
    assert len(entries_of(other_va.id)) == 1


def test_a_va_cannot_record_time_for_someone_else(app, tt):
    resp = api(app, tt.va).post(
        "/time-entries", json={"client_id": tt.client_id, "membership_id": tt.owner.id, **ENTRY}
    )
    assert resp.status_code == 422
    assert resp.json["errors"]["membership_id"] == ["You can only record your own time."]


def test_qa_and_client_contacts_see_none_of_it(app, tt):
    entry_id = _entry(app, tt)
    for member in (tt.qa, tt.contact):
        client_api = api(app, member)
        assert client_api.get("/time-entries").status_code == 403
        assert client_api.get(f"/time-entries/{entry_id}").status_code == 403
        assert client_api.post("/timer/start", json={"client_id": tt.client_id}).status_code == 403
        browser = web(app, member)
        assert browser.get(f"/{tt.slug}/time").status_code == 403
        assert browser.get(f"/{tt.slug}/work/{tt.work_item_id}/time").status_code == 403
    qa_page = web(app, tt.qa).get(f"/{tt.slug}/work/{tt.work_item_id}").get_data(as_text=True)
    assert 'data-testid="time-here"' not in qa_page and 'id="timer-bar"' not in qa_page


def test_an_owners_fix_of_a_vas_entry_is_audited_with_before_and_after(app, tt):
    entry_id = _entry(app, tt)
    resp = api(app, tt.owner).patch(
        f"/time-entries/{entry_id}", json={"end": "10:45", "billable": False}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["duration_seconds"] == 105 * 60 and resp.json["membership_id"] == tt.va.id
    with all_tenants():
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "time_entry.updated", AuditEvent.entity_id == entry_id
            )
        )
    assert event is not None and event.actor_user_id == tt.owner.user_id
    assert event.before["duration_seconds"] == 3600 and event.after["duration_seconds"] == 6300
    assert event.before["billable"] is True and event.after["billable"] is False
    assert "another member's" in event.summary


def test_a_manager_enters_time_for_a_va_in_the_vas_zone(app, frozen):
    tt = make_time_team(va_zone="Asia/Manila")
    resp = api(app, tt.manager).post(
        "/time-entries", json={"client_id": tt.client_id, "membership_id": tt.va.id, **ENTRY}
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["zone"] == "Asia/Manila"
    assert resp.json["started_at"].startswith("2026-03-10T01:00:00")  # 09:00 in Manila
    listed = api(app, tt.manager).get(f"/time-entries?member_id={tt.va.id}").json["items"]
    assert [e["id"] for e in listed] == [resp.json["id"]]


def test_another_agencys_entries_do_not_exist(app, tt):
    other = make_time_team()
    theirs = _entry(app, other)
    owner = api(app, tt.owner)
    assert owner.get(f"/time-entries/{theirs}").status_code == 404
    assert owner.patch(f"/time-entries/{theirs}", json={"notes": "x"}).status_code == 404
    assert web(app, tt.owner).get(f"/{tt.slug}/time/{theirs}/edit").status_code == 404
    resp = owner.post("/time-entries", json={"client_id": other.client_id, **ENTRY})
    assert resp.status_code == 422 and "client_id" in resp.json["errors"]
