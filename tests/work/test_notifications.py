"""Notifications through the outbox (one email per occasion, by its unique key), the
periodic overdue check (idempotent), and the item's history of every change."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.jobs import OutboxJob
from app.core.schedule import PERIODIC
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.work import notifications
from app.work.models import WorkItem
from tests.factories import AssignmentFactory, MembershipFactory
from tests.work.support import Flow, emails, events, fetch_item, make_desk


def _keys(item_id: int) -> list[str]:
    return [e.idempotency_key for e in emails(f"work:{item_id}:")]


def test_each_occasion_is_emailed_once_to_the_right_person(app, desk):
    flow = Flow(app, desk, client_approval=True)
    i, va, qa, contact = flow.id, desk.va.id, desk.qa.id, desk.contact.id
    flow.to("in_review")
    flow.request_changes()
    flow.start()
    flow.submit()
    flow.take()
    flow.approve()
    flow.ok(flow.contact.post(flow.url("/client-request-changes"), json={"reason": "Bigger logo"}))
    created = events(i, "created")[0].id
    assert _keys(i) == [
        f"work:{i}:assigned:{va}:{created}",
        f"work:{i}:submitted:1:{qa}",
        f"work:{i}:changes:qa:1",
        f"work:{i}:submitted:2:{qa}",
        f"work:{i}:client-approval:2:{contact}",
        f"work:{i}:changes:client:2",
    ]
    by_key = {e.idempotency_key: e for e in emails(f"work:{i}:")}
    assert by_key[f"work:{i}:submitted:1:{qa}"].to_addr == desk.qa.user.email
    changes = by_key[f"work:{i}:changes:qa:1"]
    assert changes.to_addr == desk.va.user.email
    assert "Figures are accurate: Totals are off" in changes.text_body
    approval = by_key[f"work:{i}:client-approval:2:{contact}"]
    assert approval.to_addr == desk.contact.user.email
    assert "Totals are off" not in approval.text_body  # QA's reasons stay internal
    assert "Bigger logo" in by_key[f"work:{i}:changes:client:2"].text_body
    with all_tenants():
        jobs = db.session.scalars(
            sa.select(OutboxJob.func).where(OutboxJob.agency_id == desk.agency.id)
        ).all()
    assert jobs.count("app.core.mail.send_email") >= 6


def test_asking_again_for_the_same_occasion_sends_nothing_more(app, desk):
    flow = Flow(app, desk).to("submitted")
    before = _keys(flow.id)
    with tenant(desk.agency.id):
        item = db.session.get(WorkItem, flow.id)
        notifications.notify_submitted(item, 1)
        db.session.flush()
    assert _keys(flow.id) == before


def test_a_new_assignee_and_reviewer_are_told(app, desk):
    flow = Flow(app, desk).to("submitted")
    AssignmentFactory(client=desk.client, membership=desk.other_va, kind="backup")
    flow.ok(
        flow.owner.post(
            flow.url("/reassign"),
            json={"assignee_id": desk.other_va.id, "reviewer_id": desk.manager.id},
        )
    )
    keys = _keys(flow.id)
    assert any(k.startswith(f"work:{flow.id}:assigned:{desk.other_va.id}:") for k in keys)
    assert f"work:{flow.id}:submitted:1:{desk.manager.id}" in keys


def _overdue(desk, flow: Flow, hours: int = 2) -> None:
    with all_tenants():
        item = db.session.get(WorkItem, flow.id)
        item.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
        db.session.flush()


def test_the_overdue_check_tells_the_owners_once(app, desk):
    second_owner = MembershipFactory(agency=desk.agency, role="owner")
    late = Flow(app, desk, title="Late one").to("in_progress")
    on_time = Flow(app, desk, title="On time")
    done = Flow(app, desk, title="Done").to("approved")
    _overdue(desk, late)
    _overdue(desk, done)
    flow_lock = fetch_item(late.id).lock_version
    done.ok(done.owner.post(done.url("/deliver"), json={}))

    assert notifications.notify_overdue() == {"notified": 1}
    sent = [e for e in emails(f"work:{late.id}:overdue")]
    assert sorted(e.to_addr for e in sent) == sorted(
        [desk.owner.user.email, second_owner.user.email]
    )
    assert "Late one" in sent[0].subject and "in progress" in sent[0].text_body
    item = fetch_item(late.id)
    assert item.overdue_notified_at is not None
    assert item.lock_version == flow_lock  # open forms on the item stay valid
    assert emails(f"work:{on_time.id}:overdue") == []
    assert emails(f"work:{done.id}:overdue") == []

    assert notifications.notify_overdue() == {"notified": 0}
    assert len(emails(f"work:{late.id}:overdue")) == 2


def test_a_new_due_time_can_become_overdue_again(app, desk):
    flow = Flow(app, desk)
    _overdue(desk, flow)
    notifications.notify_overdue()
    flow.ok(flow.owner.patch(flow.url(), json={"due_at": "2020-01-01T09:00"}))
    assert fetch_item(flow.id).overdue_notified_at is None
    assert notifications.notify_overdue() == {"notified": 1}
    assert len({e.idempotency_key for e in emails(f"work:{flow.id}:overdue")}) == 2


def test_the_overdue_check_covers_every_agency(app, desk):
    second = make_desk()
    flows = [Flow(app, desk), Flow(app, second)]
    for d, f in zip((desk, second), flows, strict=True):
        _overdue(d, f)
    assert notifications.notify_overdue() == {"notified": 2}
    for d, f in zip((desk, second), flows, strict=True):
        [email] = emails(f"work:{f.id}:overdue")
        assert email.agency_id == d.agency.id and email.to_addr == d.owner.user.email


def test_the_overdue_check_is_a_periodic_job(app):
    entry = next(p for p in PERIODIC if p.name == "work_overdue")
    assert entry.func == "app.work.notifications.notify_overdue"
    assert entry.every <= dt.timedelta(hours=1)


def test_every_change_is_in_the_history(app, desk):
    flow = Flow(app, desk)
    flow.start()
    flow.complete_checklist()
    flow.ok(flow.va.post(flow.url("/comments"), json={"body": "Done soon"}), 201)
    flow.ok(flow.owner.patch(flow.url(), json={"estimate_minutes": 45}))
    flow.ok(flow.owner.post(flow.url("/reassign"), json={"reviewer_id": desk.manager.id}))
    history = events(flow.id)
    assert [e.kind for e in history] == [
        "created", "transition", "checklist", "evidence", "checklist", "evidence", "checklist",
        "comment", "updated", "assignment",
    ]  # fmt: skip
    owner, va = desk.owner.user_id, desk.va.user_id
    assert [e.actor_user_id for e in history] == [owner] + [va] * 7 + [owner, owner]
    assert all(e.at is not None for e in history)
    assert history[1].from_state == "todo" and history[1].to_state == "in_progress"
    assert history[3].data == {  # what the page needs to say it in the reader's language
        "item_key": "draft",
        "kind": "link",
        "text": "Link the draft",
        "link": "https://docs.example.test/draft",
    }
    assert history[8].data == {"changed": ["estimate_minutes"]}
    api_history = flow.va.get(flow.url("/events")).json
    assert api_history["meta"]["total"] == len(history)
    assert api_history["items"][0]["actor_name"] == desk.owner.user.name
