"""The whole loop through the JSON API: create -> start -> checklist with evidence ->
submit -> take -> request changes -> fix -> approve -> client approves -> delivered."""

from __future__ import annotations

import io

from tests.work.support import PDF, api, checks, emails, events, fetch_item


def _upload(client_api, item_id: int, check_id: int, data: bytes, name: str):
    return client_api.client.post(
        client_api._url(f"/work-items/{item_id}/checklist/{check_id}/evidence-file"),
        data={"file": (io.BytesIO(data), name)},
        headers=client_api.headers,
        content_type="multipart/form-data",
    )


def test_whole_loop(app, desk):
    owner, va, qa, contact = (api(app, m) for m in (desk.owner, desk.va, desk.qa, desk.contact))
    resp = owner.post(
        f"/clients/{desk.client.id}/work-items",
        json=desk.item_body(sop_version_id=desk.approval_version.id),
    )
    assert resp.status_code == 201, resp.json
    item = resp.json
    assert item["state"] == "todo" and item["quadrant"] == "do"
    assert item["estimate_minutes"] == 120
    assert item["due_at"] == "2030-03-31T21:00:00+00:00"  # 17:00 in New York (EDT)
    assert [c["item_key"] for c in item["checklist"]] == ["collect", "draft", "report", "notes"]
    item_id = item["id"]

    assert va.post(f"/work-items/{item_id}/start", json={}).status_code == 200
    resp = va.post(f"/work-items/{item_id}/submit", json={})
    assert resp.status_code == 409
    assert resp.json["message"] == (
        "3 required checklist items are open: Collect the figures, Link the draft, "
        "Attach the report"
    )
    ids = {c.item_key: c.id for c in checks(item_id).values()}
    assert (
        va.patch(
            f"/work-items/{item_id}/checklist/{ids['collect']}", json={"done": True}
        ).status_code
        == 200
    )
    resp = va.patch(f"/work-items/{item_id}/checklist/{ids['draft']}", json={"done": True})
    assert resp.status_code == 409, resp.json
    resp = va.post(
        f"/work-items/{item_id}/checklist/{ids['draft']}/evidence",
        json={"link": "https://docs.example.test/draft"},
    )
    assert resp.status_code == 200, resp.json
    assert (
        va.patch(f"/work-items/{item_id}/checklist/{ids['draft']}", json={"done": True}).status_code
        == 200
    )
    resp = _upload(va, item_id, ids["report"], PDF, "report.pdf")
    assert resp.status_code == 200, resp.json
    assert (
        va.patch(
            f"/work-items/{item_id}/checklist/{ids['report']}", json={"done": True}
        ).status_code
        == 200
    )
    resp = va.post(f"/work-items/{item_id}/submit", json={})
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "submitted"

    assert qa.post(f"/work-items/{item_id}/take", json={}).status_code == 200
    resp = qa.post(
        f"/work-items/{item_id}/request-changes",
        json={"scores": {"accurate": "fail"}, "reasons": {"accurate": "Q1 total is off"}},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "changes_requested" and resp.json["rework_rounds"] == 1

    assert va.post(f"/work-items/{item_id}/start", json={}).status_code == 200
    assert va.post(f"/work-items/{item_id}/submit", json={}).status_code == 200
    assert qa.post(f"/work-items/{item_id}/take", json={}).status_code == 200
    resp = qa.post(
        f"/work-items/{item_id}/approve", json={"scores": {"accurate": True, "clear": 4}}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "awaiting_client"

    resp = owner.post(f"/work-items/{item_id}/deliver", json={})
    assert resp.status_code == 409
    assert "client has not approved" in resp.json["message"]
    resp = contact.post(f"/work-items/{item_id}/client-approve", json={"comment": "Lovely"})
    assert resp.status_code == 200, resp.json
    # The client's approval ends the SOP: the item is delivered at once.
    assert resp.json["state"] == "delivered"
    assert owner.post(f"/work-items/{item_id}/deliver", json={}).status_code == 409
    assert fetch_item(item_id).state == "delivered"
    kinds = [e.to_state for e in events(item_id, "transition")]
    assert kinds == [
        "in_progress", "submitted", "in_review", "changes_requested", "in_progress",
        "submitted", "in_review", "approved", "awaiting_client", "client_approved", "delivered",
    ]  # fmt: skip
    keys = [e.idempotency_key for e in emails()]
    assert len(keys) == len(set(keys))
    print(keys)
