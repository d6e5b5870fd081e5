"""Approvals that move work: the client's final approval (their own, or recorded by a
manager) delivers the item at once, so its fee is billable; a mid-SOP approval stage is sent
by the assignee, keeps the later stages locked, and comes back in progress (approved) or
with the client's words (changes)."""

from __future__ import annotations

import copy

import pytest

from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.invoices import line_sources
from app.invoices.services import create_invoice
from app.sops.definition import SopInvalid, validate_definition
from tests.factories import DEFAULT_SOP_DEFINITION, SopFactory, SopVersionFactory
from tests.work.support import PDF, Flow, checks, emails, events, fetch_item, upload, web


def _staged_version(desk):
    """An SOP whose first stage ("prepare") the client approves before "send" opens."""
    definition = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    definition.update(slug="staged-report", title="Staged report")
    definition["stages"][0]["client_approval"] = True
    return SopVersionFactory(sop=SopFactory(agency=desk.agency), definition=definition)


def _prepare_done(flow: Flow) -> None:
    va = flow.va
    flow.ok(va.patch(flow.url(f"/checklist/{flow.ids['collect']}"), json={"done": True}))
    flow.ok(va.post(flow.url(f"/checklist/{flow.ids['draft']}/evidence"),
                    json={"link": "https://docs.example.test/draft"}))  # fmt: skip
    flow.ok(va.patch(flow.url(f"/checklist/{flow.ids['draft']}"), json={"done": True}))


def test_the_clients_approval_delivers_and_the_fee_becomes_billable(app, desk):
    flow = Flow(app, desk, client_approval=True).to("in_review")
    flow.approve()
    with tenant(desk.agency.id):
        owner = Actor(user=desk.owner.user, agency=desk.agency, membership=desk.owner)
        invoice = create_invoice(owner, {"client_id": desk.client.id})
        source = line_sources.get_line_source("work_item")
        assert flow.id not in [c.id for c in source.candidates(invoice)]
    resp = flow.contact.post(flow.url("/client-approve"), json={"comment": "Perfect"})
    assert resp.status_code == 200, resp.json
    item = fetch_item(flow.id)
    assert (item.state, item.delivered_at is not None) == ("delivered", True)
    assert [e.to_state for e in events(flow.id, "transition")][-2:] == [
        "client_approved",
        "delivered",
    ]
    with tenant(desk.agency.id):
        assert flow.id in [c.id for c in source.candidates(invoice)]
    page = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert 'data-action="deliver"' not in page


def test_a_change_request_still_goes_back_with_the_clients_words(app, desk):
    flow = Flow(app, desk, client_approval=True).to("in_review")
    flow.approve()
    resp = flow.contact.post(flow.url("/client-request-changes"),
                             json={"reason": "Use the spring photo"})  # fmt: skip
    assert resp.status_code == 200 and resp.json["state"] == "client_changes"
    assert fetch_item(flow.id).delivered_at is None
    assert any("spring photo" in e.text_body for e in emails() if e.to_addr == desk.va.user.email)


def test_a_stage_approval_round_trip_with_changes(app, desk):
    version = _staged_version(desk)
    flow = Flow(app, desk, sop_version_id=version.id)
    flow.start()
    # Nothing to send before the stage's required items are done; "send" is locked.
    early = flow.va.post(flow.url("/send-stage"), json={})
    assert early.status_code == 409 and "Link the draft" in early.json["message"]
    resp = upload(flow.va, flow.id, flow.ids["report"], PDF, "report.pdf")
    assert resp.status_code == 409 and "locked until the client approves" in resp.json["message"]
    assert flow.va.post(flow.url("/submit"), json={}).status_code == 409
    _prepare_done(flow)
    page = web(app, desk.va).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert 'data-action="send_stage"' in page and 'data-testid="stage-locked"' in page
    sent = flow.ok(flow.va.post(flow.url("/send-stage"), json={})).json
    assert sent["state"] == "awaiting_client"
    assert fetch_item(flow.id).client_stage_key == "prepare"
    # The portal's approval page says which stage; the client asks for changes.
    client_page = web(app, desk.contact).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert 'data-testid="approval-stage"' in client_page and "Prepare" in client_page
    flow.ok(flow.contact.post(flow.url("/client-request-changes"), json={"reason": "Add March"}))
    item = fetch_item(flow.id)
    assert (item.state, item.approved_stage_key) == ("client_changes", None)
    assert events(flow.id, "transition")[-1].data == {"stage": "prepare"}
    flow.start()  # resume
    resp = upload(flow.va, flow.id, flow.ids["report"], PDF, "report.pdf")
    assert resp.status_code == 409  # still locked
    flow.ok(flow.va.post(flow.url("/send-stage"), json={}))
    resp = flow.contact.post(flow.url("/client-approve"), json={"comment": "Good"})
    assert resp.status_code == 200 and resp.json["state"] == "in_progress"
    item = fetch_item(flow.id)
    assert (item.approved_stage_key, item.client_stage_key, item.delivered_at) == (
        "prepare",
        None,
        None,
    )
    # The history names the stage on each step of its round trip (sent, changes, approved).
    history = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert history.count('data-testid="history-stage"') == 4
    assert "Stage: Prepare" in history
    # The next stage is open: finish, submit, QA approves, the SOP has no final approval.
    flow.ok(upload(flow.va, flow.id, flow.ids["report"], PDF, "report.pdf"))
    flow.ok(flow.va.patch(flow.url(f"/checklist/{flow.ids['report']}"), json={"done": True}))
    none_left = flow.va.post(flow.url("/send-stage"), json={})
    assert none_left.status_code == 409 and "No stage" in none_left.json["message"]
    flow.submit()
    flow.take()
    flow.approve()
    assert fetch_item(flow.id).state == "approved"
    assert checks(flow.id)["report"].done


def test_a_manager_records_a_stage_approval(app, desk):
    version = _staged_version(desk)
    flow = Flow(app, desk, sop_version_id=version.id)
    flow.start()
    _prepare_done(flow)
    flow.ok(flow.va.post(flow.url("/send-stage"), json={}))
    resp = flow.owner.post(flow.url("/client-decision"), json={
        "decision": "approved", "contact_name": "Dana", "channel": "phone"})  # fmt: skip
    assert resp.status_code == 200, resp.json
    item = fetch_item(flow.id)
    assert (item.state, item.approved_stage_key, item.delivered_at) == (
        "in_progress",
        "prepare",
        None,
    )


def test_the_sop_format_checks_stage_approvals():
    definition = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    definition["stages"][1]["client_approval"] = True
    definition["next_in_series"] = "on_client_approval"
    with pytest.raises(SopInvalid) as exc:
        validate_definition(definition)
    assert [p.path for p in exc.value.problems] == ["stages.1.client_approval"]
    definition["stages"][1].pop("client_approval")
    definition["stages"][0]["client_approval"] = True
    stored = validate_definition(definition)
    assert stored["stages"][0]["client_approval"] is True
    assert "client_approval" not in stored["stages"][1]  # absent: the hash is unchanged
    assert stored["next_in_series"] == "on_client_approval"
    plain = validate_definition(copy.deepcopy(DEFAULT_SOP_DEFINITION))
    assert "next_in_series" not in plain
    with pytest.raises((SopInvalid, ValidationFailed)):
        validate_definition({**copy.deepcopy(DEFAULT_SOP_DEFINITION), "next_in_series": "never"})
