"""Every gate of the state machine and its refusal, in the API (409 with the reason) and on
the pages (the same reason shown), with nothing changed by a refusal."""

from __future__ import annotations

import pytest

from app.core.tenancy import all_tenants
from app.extensions import db
from app.work.models import ChecklistState
from tests.factories import AssignmentFactory
from tests.work.support import Flow, api, events, fetch_item, web

OPEN_MESSAGE = (
    "3 required checklist items are open: Collect the figures, Link the draft, Attach the report"
)


def _page_post(app, member, desk, item_id: int, action: str, data: dict | None = None):
    return web(app, member).post(f"/{desk.slug}/work/{item_id}/{action}", data=data or {})


def test_submit_with_open_required_items_is_refused_naming_them(app, desk):
    flow = Flow(app, desk)
    flow.start()
    resp = flow.va.post(flow.url("/submit"), json={})
    assert resp.status_code == 409
    assert resp.json["message"] == OPEN_MESSAGE
    # On the pages, back to the item's URL, whose submit gate lists them (tests/ui).
    va = web(app, desk.va)
    page = va.post(f"/{desk.slug}/work/{flow.id}/submit")
    assert page.status_code == 302
    assert page.headers["Location"] == f"/{desk.slug}/work/{flow.id}#submit-gate"
    html = va.get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    for text in ("Collect the figures", "Link the draft", "Attach the report"):
        assert f"<li>{text}</li>" in html
    assert fetch_item(flow.id).state == "in_progress"


def test_one_open_item_is_named_in_the_singular(app, desk):
    flow = Flow(app, desk)
    flow.start()
    flow.complete_checklist()
    flow.ok(flow.va.patch(flow.url(f"/checklist/{flow.ids['report']}"), json={"done": False}))
    resp = flow.va.post(flow.url("/submit"), json={})
    assert resp.json["message"] == "1 required checklist item is open: Attach the report"


def test_optional_items_do_not_hold_submission(app, desk):
    flow = Flow(app, desk).to("in_progress")
    assert fetch_item(flow.id).state == "in_progress"
    assert flow.submit().json["state"] == "submitted"


def test_an_item_that_needs_evidence_is_ticked_only_with_it(app, desk):
    flow = Flow(app, desk)
    flow.start()
    resp = flow.va.patch(flow.url(f"/checklist/{flow.ids['draft']}"), json={"done": True})
    assert resp.status_code == 409
    assert resp.json["message"] == (
        "Add a link as evidence for 'Link the draft' before ticking it."
    )


def test_removing_evidence_unticks_the_item(app, desk):
    flow = Flow(app, desk).to("in_progress")
    resp = flow.va.delete(flow.url(f"/checklist/{flow.ids['draft']}/evidence"))
    assert resp.status_code == 200
    assert resp.json["done"] is False and resp.json["evidence_link"] is None
    assert flow.va.post(flow.url("/submit"), json={}).json["message"] == (
        "1 required checklist item is open: Link the draft"
    )


def test_the_checklist_is_worked_only_in_progress(app, desk):
    flow = Flow(app, desk)
    resp = flow.va.patch(flow.url(f"/checklist/{flow.ids['collect']}"), json={"done": True})
    assert resp.status_code == 409
    assert "while the item is in progress (this item is to do)" in resp.json["message"]


def test_reviewer_who_did_the_work_is_refused(app, desk):
    flow = Flow(app, desk).to("submitted")
    with all_tenants():
        check = db.session.get(ChecklistState, flow.ids["collect"])
        check.done_by_id = desk.qa.user_id  # the reviewer ticked part of the work
        db.session.flush()
    resp = flow.qa.post(flow.url("/take"), json={})
    assert resp.status_code == 409
    assert resp.json["message"] == (
        "You did this work, so you can't review it: a reviewer must never be the doer."
    )
    page = _page_post(app, desk.qa, desk, flow.id, "take")
    assert page.status_code == 409 and "a reviewer must never be the doer" in page.get_data(
        as_text=True
    )


def test_reviewer_who_is_the_assignee_cannot_approve(app, desk):
    flow = Flow(app, desk).to("in_review")
    with all_tenants():
        item = fetch_item(flow.id)
        item.assignee_id = desk.qa.id  # forced in the database; the services never allow it
        db.session.flush()
    resp = flow.qa.post(flow.url("/approve"), json={"scores": {"accurate": True, "clear": 5}})
    assert resp.status_code == 409
    assert "a reviewer must never be the doer" in resp.json["message"]
    assert fetch_item(flow.id).state == "in_review"


@pytest.mark.parametrize("via", ["api", "html"])
def test_approve_without_every_criterion_scored_is_refused(app, desk, via):
    flow = Flow(app, desk).to("in_review")
    message = "1 rubric criterion is not scored: Clearly written"
    if via == "api":
        resp = flow.qa.post(flow.url("/approve"), json={"scores": {"accurate": "pass"}})
        assert resp.status_code == 409 and resp.json["message"] == message
        resp = flow.qa.post(flow.url("/approve"), json={})
        assert resp.json["message"] == (
            "2 rubric criteria are not scored: Figures are accurate, Clearly written"
        )
    else:
        page = _page_post(app, desk.qa, desk, flow.id, "approve", {"scores.accurate": "pass"})
        assert page.status_code == 409 and message in page.get_data(as_text=True)
    assert fetch_item(flow.id).state == "in_review"
    assert events(flow.id, "transition")[-1].to_state != "approved"


def test_approve_with_a_failing_criterion_is_refused(app, desk):
    flow = Flow(app, desk).to("in_review")
    resp = flow.qa.post(flow.url("/approve"), json={"scores": {"accurate": "pass", "clear": 3}})
    assert resp.status_code == 409
    assert resp.json["message"] == (
        "Can't approve: 1 criterion does not pass: Clearly written (3, pass mark 4). "
        "Request changes instead."
    )


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"clear": 7}, "scores"),
        ({"accurate": "maybe"}, "scores"),
        ({"nonsense": "pass"}, "scores"),
        ({"clear": "pass"}, "scores"),
    ],
)
def test_scores_of_the_wrong_kind_are_bad_input(app, desk, scores, field):
    flow = Flow(app, desk).to("in_review")
    resp = flow.qa.post(flow.url("/approve"), json={"scores": scores})
    assert resp.status_code == 422, resp.json
    assert field in resp.json["errors"]


@pytest.mark.parametrize("via", ["api", "html"])
def test_changes_requested_without_reasons_are_refused(app, desk, via):
    flow = Flow(app, desk).to("in_review")
    message = "Give a reason for each failed criterion: 1 has none: Figures are accurate"
    if via == "api":
        resp = flow.qa.post(flow.url("/request-changes"), json={"scores": {"accurate": "fail"}})
        assert resp.status_code == 409 and resp.json["message"] == message
    else:
        page = _page_post(
            app, desk.qa, desk, flow.id, "request-changes", {"scores.accurate": "fail"}
        )
        assert page.status_code == 409 and message in page.get_data(as_text=True)
    item = fetch_item(flow.id)
    assert (item.state, item.rework_rounds) == ("in_review", 0)


def test_changes_need_something_to_change(app, desk):
    flow = Flow(app, desk).to("in_review")
    resp = flow.qa.post(flow.url("/request-changes"), json={"scores": {"accurate": "pass"}})
    assert resp.status_code == 409
    assert resp.json["message"].startswith("Say what needs to change")
    resp = flow.qa.post(flow.url("/request-changes"), json={"comment": "Use the new template."})
    assert resp.status_code == 200 and resp.json["rework_rounds"] == 1


def test_changes_requested_go_back_to_the_assignee(app, desk):
    flow = Flow(app, desk).to("in_review")
    page = _page_post(
        app,
        desk.qa,
        desk,
        flow.id,
        "request-changes",
        {"scores.accurate": "fail", "reasons.accurate": "Q1 is off", "scores.clear": "4"},
    )
    assert page.status_code == 302
    item = fetch_item(flow.id)
    assert (item.state, item.rework_rounds) == ("changes_requested", 1)
    assert flow.start().json["state"] == "in_progress"
    flow.submit()
    flow.take()
    assert flow.approve().json["state"] == "approved"


@pytest.mark.parametrize("via", ["api", "html"])
def test_deliver_before_the_clients_approval_is_refused(app, desk, via):
    flow = Flow(app, desk, client_approval=True).to("awaiting_client")
    message = (
        "Can't deliver yet: the client has not approved this work "
        "(its SOP asks for the client's approval)."
    )
    if via == "api":
        resp = flow.owner.post(flow.url("/deliver"), json={})
        assert resp.status_code == 409 and resp.json["message"] == message
    else:
        page = _page_post(app, desk.owner, desk, flow.id, "deliver")
        assert page.status_code == 409 and message in page.get_data(as_text=True).replace(
            "&#39;", "'"
        )
    assert fetch_item(flow.id).state == "awaiting_client"
    # The client's approval delivers it; nobody marks it delivered afterwards.
    assert flow.contact.post(flow.url("/client-approve"), json={}).json["state"] == "delivered"
    assert flow.owner.post(flow.url("/deliver"), json={}).status_code == 409


def test_deliver_before_qa_approval_is_refused(app, desk):
    flow = Flow(app, desk).to("submitted")
    resp = flow.owner.post(flow.url("/deliver"), json={})
    assert resp.status_code == 409
    assert resp.json["message"] == (
        "Can't deliver: QA has not approved this work yet (it is submitted for review)."
    )


def test_without_client_approval_the_assignee_delivers_after_qa(app, desk):
    flow = Flow(app, desk).to("approved")
    assert flow.va.post(flow.url("/deliver"), json={}).json["state"] == "delivered"


def test_the_client_asks_for_changes_with_a_reason(app, desk):
    flow = Flow(app, desk, client_approval=True).to("awaiting_client")
    resp = flow.contact.post(flow.url("/client-request-changes"), json={})
    assert resp.status_code == 422 and "reason" in resp.json["errors"]
    page = web(app, desk.contact).post(
        f"/{desk.slug}/work/{flow.id}/client-changes", data={"reason": " "}
    )
    assert page.status_code == 422 and 'data-field-error="reason"' in page.get_data(as_text=True)
    resp = flow.contact.post(
        flow.url("/client-request-changes"), json={"reason": "Use our new logo"}
    )
    assert resp.status_code == 200 and resp.json["state"] == "client_changes"
    assert flow.start().json["state"] == "in_progress"
    flow.submit()
    flow.take()
    assert flow.approve().json["state"] == "awaiting_client"


def test_a_stale_form_gets_a_clear_conflict(app, desk):
    flow = Flow(app, desk).to("in_progress")
    seen = fetch_item(flow.id).lock_version
    flow.owner.patch(flow.url(), json={"title": "Renamed"})
    resp = flow.va.post(flow.url("/submit"), json={"lock_version": seen})
    assert resp.status_code == 409
    assert resp.json["message"].startswith("Someone else changed this work item since you opened")
    page = _page_post(app, desk.va, desk, flow.id, "submit", {"lock_version": str(seen)})
    assert page.status_code == 409
    assert "Reload the page" in page.get_data(as_text=True)
    current = fetch_item(flow.id).lock_version
    assert flow.va.post(flow.url("/submit"), json={"lock_version": current}).status_code == 200


def test_an_illegal_transition_names_the_state(app, desk):
    flow = Flow(app, desk)
    resp = flow.qa.post(flow.url("/take"), json={})
    assert resp.status_code == 409
    assert resp.json["message"] == "Can't take it for review: this work item is to do."
    resp = flow.contact.post(flow.url("/client-approve"), json={})
    assert resp.status_code == 404  # not visible to the client before QA approval


def test_only_the_right_people_act(app, desk):
    second_va = desk.other_va
    AssignmentFactory(client=desk.client, membership=second_va, kind="backup")
    flow = Flow(app, desk)
    assert api(app, second_va).post(flow.url("/start"), json={}).status_code == 403
    flow.start()
    flow.complete_checklist()
    flow.submit()
    other_reviewer = api(app, desk.manager)
    assert other_reviewer.post(flow.url("/take"), json={}).status_code == 403
    assert flow.va.post(flow.url("/cancel"), json={}).status_code == 403
    page = _page_post(app, second_va, desk, flow.id, "submit")
    assert page.status_code == 403


def test_cancel_from_an_open_state_only(app, desk):
    flow = Flow(app, desk).to("in_progress")
    resp = flow.owner.post(flow.url("/cancel"), json={"reason": "Client paused the project"})
    assert resp.status_code == 200 and resp.json["state"] == "cancelled"
    resp = flow.owner.post(flow.url("/cancel"), json={})
    assert resp.status_code == 409
    assert resp.json["message"] == "Can't cancel it: this work item is cancelled."
    assert flow.va.post(flow.url("/start"), json={}).status_code == 409


def test_reassignment_follows_the_rules_of_creation(app, desk):
    flow = Flow(app, desk)
    resp = flow.owner.post(flow.url("/reassign"), json={"assignee_id": desk.other_va.id})
    assert resp.status_code == 422
    assert "is not assigned to" in resp.json["errors"]["assignee_id"][0]
    resp = flow.owner.post(flow.url("/reassign"), json={"reviewer_id": desk.va.id})
    assert resp.status_code == 422 and "reviewer_id" in resp.json["errors"]
    AssignmentFactory(client=desk.client, membership=desk.other_va, kind="backup")
    resp = flow.owner.post(
        flow.url("/reassign"),
        json={"assignee_id": desk.other_va.id, "reviewer_id": desk.manager.id},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["assignee"]["id"] == desk.other_va.id
    assert resp.json["reviewer"]["id"] == desk.manager.id
    assert [e.kind for e in events(flow.id)][-1] == "assignment"
    assert api(app, desk.va).post(flow.url("/start"), json={}).status_code == 403
