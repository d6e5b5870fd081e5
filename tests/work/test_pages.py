"""The work item page: what each person sees and may do, the checklist ticked and evidence
added without a full page reload (htmx fragments), and the edit form."""

from __future__ import annotations

import io

from tests.work.support import PNG, Flow, checks, events, fetch_item, web

HX = {"HX-Request": "true"}


def _page(app, member, desk, item_id: int) -> str:
    resp = web(app, member).get(f"/{desk.slug}/work/{item_id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_the_header_shows_state_quadrant_due_times_and_people(app, desk):
    flow = Flow(app, desk, due_at="2030-03-31T17:00")
    html = _page(app, desk.owner, desk, flow.id)
    assert 'data-state="todo"' in html
    assert "Do now (urgent, important)" in html
    assert "Sun 31 Mar, 17:00 EDT" in html  # the client's time
    assert "Sun 31 Mar, 21:00 UTC" in html  # the viewer's time (UTC)
    assert desk.va.user.name in html and desk.qa.user.name in html
    assert "Collect the figures" in html and "1. Prepare" in html and "2. Send" in html


def test_each_person_is_offered_their_actions(app, desk):
    flow = Flow(app, desk)
    assert 'data-action="start"' in _page(app, desk.va, desk, flow.id)
    owner_html = _page(app, desk.owner, desk, flow.id)
    assert 'data-action="start"' not in owner_html
    assert 'data-action="cancel"' in owner_html and 'name="assignee_id"' in owner_html
    assert 'name="assignee_id"' not in _page(app, desk.qa, desk, flow.id)
    flow.to("in_review")
    qa_html = _page(app, desk.qa, desk, flow.id)
    assert 'name="scores.accurate"' in qa_html and 'name="reasons.clear"' in qa_html
    assert 'name="scores.accurate"' not in _page(app, desk.va, desk, flow.id)


def test_the_whole_loop_through_the_pages(app, desk):
    flow = Flow(app, desk, client_approval=True)
    va, qa, client, owner = (web(app, m) for m in (desk.va, desk.qa, desk.contact, desk.owner))
    base = f"/{desk.slug}/work/{flow.id}"
    assert va.post(f"{base}/start").status_code == 302
    ids = flow.ids
    assert (
        va.post(f"{base}/checklist/{ids['collect']}/tick", data={"done": "on"}).status_code == 302
    )
    va.post(f"{base}/checklist/{ids['draft']}/evidence", data={"link": "https://example.test/d"})
    va.post(f"{base}/checklist/{ids['draft']}/tick", data={"done": "on"})
    resp = va.post(
        f"{base}/checklist/{ids['report']}/evidence",
        data={"file": (io.BytesIO(PNG), "chart.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    va.post(f"{base}/checklist/{ids['report']}/tick", data={"done": "on"})
    assert va.post(f"{base}/submit").status_code == 302
    assert qa.post(f"{base}/take").status_code == 302
    resp = qa.post(f"{base}/approve", data={"scores.accurate": "pass", "scores.clear": "5"})
    assert resp.status_code == 302
    assert fetch_item(flow.id).state == "awaiting_client"
    html = _page(app, desk.contact, desk, flow.id)
    assert 'data-action="client_approve"' in html
    assert 'id="actions"' not in html  # no empty card of team actions for the client
    assert 'class="badge work-state work-state-awaiting_client' in html
    css = app.test_client().get("/static/css/app.css").get_data(as_text=True)
    assert ".work-state-awaiting_client" in css  # the state badge has a colour
    assert client.post(f"{base}/client-approve", data={"comment": "Great"}).status_code == 302
    assert fetch_item(flow.id).state == "delivered"  # the client's approval delivers it
    assert 'data-action="deliver"' not in _page(app, desk.owner, desk, flow.id)


def test_ticking_with_htmx_returns_the_row_and_the_gate(app, desk):
    flow = Flow(app, desk)
    flow.start()
    va = web(app, desk.va)
    url = f"/{desk.slug}/work/{flow.id}/checklist/{flow.ids['collect']}/tick"
    resp = va.post(url, data={"done": "on"}, headers=HX)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith(
        f'<li class="list-group-item check-row check-done" id="check-{flow.ids["collect"]}"'
    )
    assert 'data-done="true"' in html
    assert 'id="submit-gate" hx-swap-oob="true"' in html and 'data-open="2"' in html
    assert "<html" not in html
    assert checks(flow.id)["collect"].done is True
    resp = va.post(url, data={}, headers=HX)  # unticked: the checkbox is not sent
    assert 'data-done="false"' in resp.get_data(as_text=True)
    assert [e.data["done"] for e in events(flow.id, "checklist")] == [True, False]


def test_a_refused_tick_comes_back_in_the_row(app, desk):
    flow = Flow(app, desk)
    flow.start()
    url = f"/{desk.slug}/work/{flow.id}/checklist/{flow.ids['draft']}/tick"
    resp = web(app, desk.va).post(url, data={"done": "on"}, headers=HX)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Add a link as evidence for &#39;Link the draft&#39; before ticking it." in html
    assert 'data-done="false"' in html


def test_evidence_with_htmx(app, desk):
    flow = Flow(app, desk)
    flow.start()
    va = web(app, desk.va)
    url = f"/{desk.slug}/work/{flow.id}/checklist/{flow.ids['draft']}/evidence"
    resp = va.post(url, data={"link": "javascript:alert(1)"}, headers=HX)
    assert resp.status_code == 422
    assert 'data-field-error="link"' in resp.get_data(as_text=True)
    resp = va.post(url, data={"link": "https://docs.example.test/x"}, headers=HX)
    assert resp.status_code == 200
    assert 'href="https://docs.example.test/x"' in resp.get_data(as_text=True)
    assert checks(flow.id)["draft"].evidence_link == "https://docs.example.test/x"


def test_the_edit_form(app, desk):
    flow = Flow(app, desk)
    browser = web(app, desk.manager)
    url = f"/{desk.slug}/work/{flow.id}/edit"
    page = browser.get(url)
    assert page.status_code == 200 and 'value="2030-03-31T17:00"' in page.get_data(as_text=True)
    data = {
        "title": "March report v2",
        "description": "",
        "due_at": "2030-04-02T10:00",
        "important": "on",
        "estimate_minutes": "90",
        "lock_version": str(fetch_item(flow.id).lock_version),
    }
    assert browser.post(url, data=data).status_code == 302
    item = fetch_item(flow.id)
    assert (item.title, item.estimate_minutes, item.urgent) == ("March report v2", 90, False)
    assert item.due_at.isoformat() == "2030-04-02T14:00:00+00:00"
    resp = browser.post(url, data=data)  # the lock_version has moved on
    assert resp.status_code == 409
    assert events(flow.id)[-1].kind == "updated"


def test_comments_from_the_page(app, desk):
    flow = Flow(app, desk)
    browser = web(app, desk.va)
    url = f"/{desk.slug}/work/{flow.id}/comments"
    assert browser.post(url, data={"body": "Started on the figures"}).status_code == 302
    assert browser.post(url, data={"body": "QA: check Q1", "internal": "on"}).status_code == 302
    resp = browser.post(url, data={"body": "   "})
    assert resp.status_code == 422 and 'data-field-error="body"' in resp.get_data(as_text=True)
    comments = events(flow.id, "comment")
    assert [(c.body, c.internal) for c in comments] == [
        ("Started on the figures", False),
        ("QA: check Q1", True),
    ]
