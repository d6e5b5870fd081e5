"""Who sees which work items: staff see the agency's, a VA their assigned clients', a client
contact only their own client's items once QA approved them, and never internal notes,
QA details or anyone's rates."""

from __future__ import annotations

import json

from tests.factories import ClientFactory, MembershipFactory
from tests.work.support import Flow, api, web


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.json
    return [i["id"] for i in resp.json["items"]]


def test_staff_see_every_item_and_the_list_filters(app, desk):
    first = Flow(app, desk)
    second = Flow(app, desk, title="Second").to("in_progress")
    for member in (desk.owner, desk.manager, desk.qa):
        assert sorted(_ids(api(app, member).get("/work-items"))) == sorted([first.id, second.id])
    owner = api(app, desk.owner)
    assert _ids(owner.get("/work-items", query_string={"state": "in_progress"})) == [second.id]
    assert _ids(owner.get("/work-items", query_string={"assignee_id": desk.other_va.id})) == []
    assert len(_ids(owner.get("/work-items", query_string={"client_id": desk.client.id}))) == 2
    resp = owner.get("/work-items", query_string={"per_page": 1})
    assert resp.json["meta"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    # The filters of the "All work" page: title, SOP, priority, lateness.
    assert _ids(owner.get("/work-items", query_string={"q": "SECOND"})) == [second.id]
    assert _ids(owner.get("/work-items", query_string={"q": "100%"})) == []
    sop = desk.sop_version.sop_id
    assert len(_ids(owner.get("/work-items", query_string={"sop_id": sop}))) == 2
    assert _ids(owner.get("/work-items", query_string={"sop_id": sop + 999})) == []
    assert _ids(owner.get("/work-items", query_string={"overdue": "true"})) == []
    assert owner.get("/work-items", query_string={"overdue": "maybe"}).status_code == 422


def test_a_va_sees_only_their_assigned_clients_items(app, desk):
    flow = Flow(app, desk)
    assert _ids(api(app, desk.va).get("/work-items")) == [flow.id]
    outsider = api(app, desk.other_va)
    assert _ids(outsider.get("/work-items")) == []
    assert outsider.get(flow.url()).status_code == 404
    assert web(app, desk.other_va).get(f"/{desk.slug}/work/{flow.id}").status_code == 404


def test_a_client_sees_their_items_only_after_qa_approval(app, desk):
    flow = Flow(app, desk, client_approval=True)
    contact = api(app, desk.contact)
    assert _ids(contact.get("/work-items")) == []
    assert contact.get(flow.url()).status_code == 404
    assert web(app, desk.contact).get(f"/{desk.slug}/work/{flow.id}").status_code == 404
    flow.to("awaiting_client")
    assert _ids(contact.get("/work-items")) == [flow.id]
    assert contact.get(flow.url()).status_code == 200


def test_a_client_never_sees_another_clients_items(app, desk):
    other_client = ClientFactory(agency=desk.agency, name="Other Co")
    other_login = MembershipFactory(agency=desk.agency, role="client", client_id=other_client.id)
    flow = Flow(app, desk, client_approval=True).to("awaiting_client")
    stranger = api(app, other_login)
    assert _ids(stranger.get("/work-items")) == []
    assert stranger.get(flow.url()).status_code == 404
    assert stranger.post(flow.url("/client-approve"), json={}).status_code == 404
    assert web(app, other_login).get(f"/{desk.slug}/work/{flow.id}").status_code == 404


def test_clients_never_see_internal_notes_qa_details_or_rates(app, desk):
    flow = Flow(app, desk, client_approval=True)
    flow.start()
    flow.complete_checklist()
    flow.ok(
        flow.va.post(
            flow.url(f"/checklist/{flow.ids['notes']}/evidence"),
            json={"note": "Secret working note about margins"},
        )
    )
    flow.ok(
        flow.va.post(flow.url("/comments"), json={"body": "Hello client", "internal": False}), 201
    )
    flow.ok(
        flow.owner.post(
            flow.url("/comments"),
            json={"body": "Internal: this client pays late", "internal": True},
        ),
        201,
    )
    flow.submit()
    flow.take()
    flow.ok(
        flow.qa.post(
            flow.url("/request-changes"),
            json={"scores": {"accurate": "fail"}, "reasons": {"accurate": "QA-only reason"}},
        )
    )
    flow.start()
    flow.submit()
    flow.take()
    flow.approve()

    contact = api(app, desk.contact)
    blobs = [
        contact.get(flow.url()).get_data(as_text=True),
        contact.get(flow.url("/comments")).get_data(as_text=True),
        contact.get(flow.url("/events")).get_data(as_text=True),
        contact.get("/work-items").get_data(as_text=True),
        web(app, desk.contact).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True),
    ]
    for blob in blobs:
        assert "this client pays late" not in blob
        assert "Secret working note" not in blob
        assert "QA-only reason" not in blob
        assert "rate_minor" not in blob and "cost_" not in blob
    assert "Hello client" in blobs[1] and "Hello client" in blobs[4]
    body = json.loads(blobs[0])
    assert all("evidence_note" not in c for c in body["checklist"])
    link = next(c for c in body["checklist"] if c["item_key"] == "draft")
    assert link["evidence_link"] == "https://docs.example.test/draft"  # the deliverable
    assert {e["internal"] for e in json.loads(blobs[2])["items"]} == {False}
    assert contact.get(flow.url("/reviews")).status_code == 403
    resp = contact.post(flow.url("/comments"), json={"body": "sneaky", "internal": True})
    assert resp.status_code == 422 and "internal" in resp.json["errors"]

    staff = api(app, desk.va).get(flow.url("/comments")).get_data(as_text=True)
    assert "this client pays late" in staff
    assert "Secret working note" in api(app, desk.qa).get(flow.url()).get_data(as_text=True)
