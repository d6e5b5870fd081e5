"""An owner or manager records the client's answer given outside Baton (an email, a call):
the same gates as the client's own decision, who and how kept in the history, a change
request sent back to the VA, and the refusals (wrong state, missing fields, wrong role)."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.work.models import Review
from tests.work.support import Flow, api, emails, events, fetch_item, web


def _awaiting(app, desk) -> Flow:
    flow = Flow(app, desk, client_approval=True).to("in_review")
    flow.approve()  # QA approval; the SOP asks for the client's, so it waits for them
    return flow


def test_a_manager_records_an_approval_given_by_email(app, desk):
    flow = _awaiting(app, desk)
    assert fetch_item(flow.id).state == "awaiting_client"
    page = web(app, desk.manager).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert 'data-action="record_client"' in page
    resp = web(app, desk.manager).post(
        f"/{desk.slug}/work/{flow.id}/client-decision",
        data={"decision": "approved", "contact_name": "Dana Harbour", "channel": "email",
              "note": "Looks perfect, go ahead."},
    )  # fmt: skip
    assert resp.status_code == 302
    item = fetch_item(flow.id)
    # The client's approval is the SOP's last step: it delivers the item at once.
    assert item.state == "delivered" and item.delivered_at is not None
    (moved,) = [e for e in events(flow.id, "transition") if e.to_state == "client_approved"]
    assert moved.body.startswith("Dana Harbour by email approved (recorded by ")
    assert "Looks perfect" in moved.body
    assert moved.data == {"on_behalf": True, "contact_name": "Dana Harbour", "channel": "email"}
    # The client sees it in their history too; nobody has to mark it delivered.
    client_page = web(app, desk.contact).get(f"/{desk.slug}/work/{flow.id}")
    assert "Dana Harbour by email approved" in client_page.get_data(as_text=True)
    owner_page = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert 'data-action="deliver"' not in owner_page
    assert [e.to_state for e in events(flow.id, "transition")][-2:] == [
        "client_approved",
        "delivered",
    ]


def test_changes_given_on_a_call_go_back_to_the_va_with_what_was_said(app, desk):
    flow = _awaiting(app, desk)
    before = len(emails())
    resp = api(app, desk.owner).post(
        f"/work-items/{flow.id}/client-decision",
        json={"decision": "changes", "contact_name": "Dana", "channel": "phone",
              "note": "Move the launch post to Friday."},
    )  # fmt: skip
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "client_changes"
    with all_tenants():
        outcomes = db.session.scalars(
            sa.select(Review.outcome).where(Review.work_item_id == flow.id).order_by(Review.id)
        ).all()
    assert outcomes[-1] == "client_changes"
    new = emails()[before:]
    assert any(e.to_addr == desk.va.user.email and "Friday" in e.text_body for e in new)


def test_changes_need_what_was_said_and_nothing_changes_without_it(app, desk):
    flow = _awaiting(app, desk)
    resp = api(app, desk.manager).post(
        f"/work-items/{flow.id}/client-decision",
        json={"decision": "changes", "contact_name": "Dana", "channel": "phone"},
    )
    assert resp.status_code == 422
    assert "note" in resp.json["errors"]
    assert fetch_item(flow.id).state == "awaiting_client"
    page = web(app, desk.manager).post(
        f"/{desk.slug}/work/{flow.id}/client-decision",
        data={"decision": "changes", "contact_name": "", "channel": "fax"},
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'data-field-error="contact_name"' in html and 'data-field-error="channel"' in html
    assert fetch_item(flow.id).state == "awaiting_client"


def test_only_owners_and_managers_and_only_while_waiting_for_the_client(app, desk):
    flow = _awaiting(app, desk)
    body = {"decision": "approved", "contact_name": "Dana", "channel": "email"}
    for member in (desk.va, desk.qa, desk.contact):
        assert api(app, member).post(f"/work-items/{flow.id}/client-decision",
                                     json=body).status_code == 403  # fmt: skip
    early = Flow(app, desk, client_approval=True)
    resp = api(app, desk.owner).post(f"/work-items/{early.id}/client-decision", json=body)
    assert resp.status_code == 409
    assert resp.json["message"] == "Can't record the client's answer: this work item is to do."
