"""Work requests: a client contact asks from the portal, owners and managers are emailed and
either create a work item from the request (it becomes accepted and linked) or decline it
with a reason the contact is emailed; the same through the JSON API."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from app.portal.models import WorkRequest
from tests.clients.support import count_rows, fetch
from tests.factories import ClientFactory, MembershipFactory
from tests.work.support import api, emails, fetch_item, make_desk, web


def _ask(browser, desk, **data):
    body = {"title": "Easter newsletter", "details": "For <b>all</b> customers", **data}
    return browser.post(f"/{desk.slug}/portal/requests", data=body)


def _only_request(desk) -> WorkRequest:
    with all_tenants():
        rows = db.session.scalars(
            sa.select(WorkRequest)
            .where(WorkRequest.agency_id == desk.agency.id)
            .execution_options(populate_existing=True)
        ).all()
    assert len(rows) == 1
    return rows[0]


def test_a_client_asks_and_owners_and_managers_are_emailed(app):
    desk = make_desk()
    browser = web(app, desk.contact)
    wanted = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    resp = _ask(browser, desk, wanted_by=wanted)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{desk.slug}/portal")
    req = _only_request(desk)
    assert (req.status, req.client_id, req.requested_by_id) == (
        "open",
        desk.client.id,
        desk.contact.id,
    )
    assert req.details == "For <b>all</b> customers" and req.wanted_by.isoformat() == wanted
    sent = emails(f"work-request:{req.id}:")
    assert sorted(e.to_addr for e in sent) == sorted(
        [desk.owner.user.email, desk.manager.user.email]
    )
    assert all("Easter newsletter" in e.subject for e in sent)
    with all_tenants():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity_type == "work_requests")
        ).all()
    assert "work_request.created" in actions
    html = browser.get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert f'data-request-id="{req.id}"' in html and "Waiting for us" in html


def test_bad_input_is_422_naming_the_field_and_writes_nothing(app):
    desk = make_desk()
    browser = web(app, desk.contact)
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    for data, field in (
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"details": "y" * 10_001}, "details"),
        ({"wanted_by": "not a date"}, "wanted_by"),
        ({"wanted_by": yesterday}, "wanted_by"),
    ):
        resp = _ask(browser, desk, **data)
        assert resp.status_code == 422, data
        assert f'data-field-error="{field}"' in resp.get_data(as_text=True)
    assert count_rows(WorkRequest, desk.agency.id) == 0
    assert emails("work-request:") == []


def test_clients_see_only_their_own_and_staff_page_is_for_owners_and_managers(app):
    desk = make_desk()
    _ask(web(app, desk.contact), desk, title="Ours only")
    req = _only_request(desk)
    other_client = ClientFactory(agency=desk.agency, name="Lumen Dental")
    stranger = MembershipFactory(agency=desk.agency, role="client", client_id=other_client.id)
    assert "Ours only" not in web(app, stranger).get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert api(app, stranger).get(f"/work-requests/{req.id}").status_code == 404
    assert api(app, stranger).get("/work-requests").get_json()["items"] == []
    assert api(app, desk.contact).get(f"/work-requests/{req.id}").status_code == 200
    for member in (desk.va, desk.qa, desk.contact):
        assert web(app, member).get(f"/{desk.slug}/requests").status_code == 403
    for member in (desk.owner, desk.manager):
        page = web(app, member).get(f"/{desk.slug}/requests")
        assert page.status_code == 200 and "Ours only" in page.get_data(as_text=True)


def test_decline_needs_a_reason_and_emails_the_client(app):
    desk = make_desk()
    _ask(web(app, desk.contact), desk)
    req = _only_request(desk)
    browser = web(app, desk.manager)
    url = f"/{desk.slug}/requests/{req.id}/decline"
    resp = browser.post(url, data={"reason": ""})
    assert resp.status_code == 422 and 'data-field-error="reason"' in resp.get_data(as_text=True)
    assert _only_request(desk).status == "open"
    resp = browser.post(url, data={"reason": "We do not do print work."})
    assert resp.status_code == 302
    req = _only_request(desk)
    assert (req.status, req.decline_reason) == ("declined", "We do not do print work.")
    assert req.decided_by_id == desk.manager.user_id and req.decided_at is not None
    declined = emails(f"work-request:{req.id}:declined")
    assert [e.to_addr for e in declined] == [desk.contact.user.email]
    assert "We do not do print work." in declined[0].text_body
    assert browser.post(url, data={"reason": "Again"}).status_code == 409
    html = web(app, desk.contact).get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert "We do not do print work." in html


def test_creating_a_work_item_from_the_request_accepts_and_links_it(app):
    desk = make_desk()
    wanted = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    _ask(web(app, desk.contact), desk, wanted_by=wanted)
    req = _only_request(desk)
    browser = web(app, desk.owner)
    listing = browser.get(f"/{desk.slug}/requests").get_data(as_text=True)
    new_url = f"/{desk.slug}/clients/{desk.client.id}/work/new?request_id={req.id}"
    assert new_url in listing.replace("&amp;", "&")
    form = browser.get(new_url).get_data(as_text=True)
    assert 'value="Easter newsletter"' in form and f'name="request_id" value="{req.id}"' in form
    assert f'value="{wanted}T17:00"' in form
    resp = browser.post(
        f"/{desk.slug}/clients/{desk.client.id}/work/new",
        data={
            "title": "Easter newsletter",
            "description": "For all customers",
            "sop_version_id": str(desk.sop_version.id),
            "assignee_id": str(desk.va.id),
            "reviewer_id": str(desk.qa.id),
            "important": "on",
            "request_id": str(req.id),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    item = fetch_item(int(resp.headers["Location"].rsplit("/", 1)[-1]))
    req = fetch(WorkRequest, req.id)
    assert (req.status, req.work_item_id, req.decided_by_id) == (
        "accepted",
        item.id,
        desk.owner.user_id,
    )
    # A request from another client cannot be attached; nothing is written.
    other_client = ClientFactory(agency=desk.agency, name="Lumen Dental")
    before = count_rows(type(item), desk.agency.id)
    resp = browser.post(
        f"/{desk.slug}/clients/{other_client.id}/work/new",
        data={
            "title": "Sneaky",
            "sop_version_id": str(desk.sop_version.id),
            "request_id": str(req.id),
        },
    )
    assert resp.status_code == 422
    assert count_rows(type(item), desk.agency.id) == before


def test_the_api_asks_lists_and_declines(app):
    desk = make_desk()
    contact = api(app, desk.contact)
    resp = contact.post("/work-requests", json={"title": "Spring menu photos", "details": "Ten"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["status"], body["client_id"]) == ("open", desk.client.id)
    assert len(emails(f"work-request:{body['id']}:asked")) == 2
    bad = contact.post("/work-requests", json={"title": "", "wanted_by": "2000-01-01"})
    assert bad.status_code == 422 and "title" in str(bad.get_json())
    past = contact.post("/work-requests", json={"title": "Late", "wanted_by": "2000-01-01"})
    assert past.status_code == 422 and "wanted_by" in str(past.get_json())
    assert count_rows(WorkRequest, desk.agency.id) == 1
    assert api(app, desk.va).get("/work-requests").status_code == 403
    assert api(app, desk.owner).post("/work-requests", json={"title": "x"}).status_code == 403

    owner = api(app, desk.owner)
    listed = owner.get("/work-requests?status=open").get_json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]
    assert owner.post(f"/work-requests/{body['id']}/decline", json={}).status_code == 422
    assert (
        contact.post(f"/work-requests/{body['id']}/decline", json={"reason": "x"}).status_code
        == 403
    )
    done = owner.post(
        f"/work-requests/{body['id']}/decline", json={"reason": "Fully booked in April."}
    )
    assert done.status_code == 200 and done.get_json()["status"] == "declined"
    assert len(emails(f"work-request:{body['id']}:declined")) == 1
    assert owner.get("/work-requests?status=open").get_json()["items"] == []
    seen = contact.get(f"/work-requests/{body['id']}").get_json()
    assert seen["decline_reason"] == "Fully booked in April."


def test_the_api_accepts_a_request_by_creating_its_work_item(app):
    desk = make_desk()
    asked = api(app, desk.contact).post("/work-requests", json={"title": "Spring menu photos"})
    request_id = asked.get_json()["id"]
    owner = api(app, desk.owner)
    body = {"title": "Spring menu photos", "sop_version_id": desk.sop_version.id,
            "assignee_id": desk.va.id, "reviewer_id": desk.qa.id}  # fmt: skip
    other_client = ClientFactory(agency=desk.agency, name="Lumen Dental")
    wrong = owner.post(
        f"/clients/{other_client.id}/work-items", json={**body, "request_id": request_id}
    )
    assert wrong.status_code == 422 and "request_id" in wrong.get_json()["errors"]
    missing = owner.post(
        f"/clients/{desk.client.id}/work-items", json={**body, "request_id": 999999}
    )
    assert missing.status_code == 422 and "request_id" in missing.get_json()["errors"]
    made = owner.post(
        f"/clients/{desk.client.id}/work-items", json={**body, "request_id": request_id}
    )
    assert made.status_code == 201, made.get_json()
    req = fetch(WorkRequest, request_id)
    assert (req.status, req.work_item_id) == ("accepted", made.get_json()["id"])
    again = owner.post(
        f"/clients/{desk.client.id}/work-items", json={**body, "request_id": request_id}
    )
    assert again.status_code == 409  # already accepted; no second item
