"""A client contact answers in a request's thread from the portal or the API, as if they had
answered our email: the answer is a message of the thread and owners and managers are told.
The API gives the thread (messages, files) to staff and the request's own client, and takes
answers from both, with the pages' rules."""

from __future__ import annotations

import pytest

from app.agencies.models import Agency
from app.core.tenancy import tenant
from app.extensions import db
from tests.factories import MembershipFactory
from tests.inbound.support import PDF, emails, files, mail, messages, requests, send
from tests.work.support import api

pytestmark = pytest.mark.no_db


def _opened(intake, receiver):
    send(receiver, mail(intake.contact_email, intake.address,
                        files=(("brief.pdf", PDF, "application/pdf"),)))  # fmt: skip
    [req] = requests(intake.agency_id)
    return req


def test_a_client_answers_in_the_portal_and_owners_and_managers_are_told(intake, receiver):
    req = _opened(intake, receiver)
    page = intake.contact_web.get(f"/{intake.slug}/portal/requests/{req.id}")
    assert 'data-testid="reply-form"' in page.get_data(as_text=True)
    resp = intake.contact_web.post(
        f"/{intake.slug}/portal/requests/{req.id}/replies",
        data={"body": "The 14th, please.<script>alert(1)</script>"},
    )
    assert resp.status_code == 302
    [_, answer] = messages(req.id)
    assert "The 14th, please." in answer.body and "<script" not in answer.body
    assert answer.contact_id is not None and answer.author_name == "Hana Harbour"
    told = emails(f"work-request:{req.id}:answer:{answer.id}:")
    assert sorted(e.to_addr for e in told) == intake.staff_emails
    # Staff read it as the client's, and their answer goes to the contact who wrote.
    staff_page = intake.owner_web.get(f"/{intake.slug}/requests/{req.id}").get_data(as_text=True)
    assert f'data-message-id="{answer.id}" data-from="client"' in staff_page
    intake.owner_web.post(f"/{intake.slug}/requests/{req.id}/replies", data={"body": "Done."})
    [reply] = emails(f"work-request:{req.id}:reply:")
    assert reply.to_addr == intake.contact_email


def test_only_the_requests_own_client_answers_in_the_portal(intake, receiver):
    req = _opened(intake, receiver)
    url = f"/{intake.slug}/portal/requests/{req.id}/replies"
    assert intake.stranger_web.post(url, data={"body": "Not mine"}).status_code == 404
    assert intake.owner_web.post(url, data={"body": "Staff"}).status_code == 403
    assert intake.va_web.post(url, data={"body": "VA"}).status_code == 403
    assert len(messages(req.id)) == 1 and emails(f"work-request:{req.id}:answer:") == []


def test_an_empty_portal_answer_is_the_form_again_naming_the_field(intake, receiver):
    req = _opened(intake, receiver)
    for body in ("", "   ", "x" * 10_001):
        resp = intake.contact_web.post(f"/{intake.slug}/portal/requests/{req.id}/replies",
                                       data={"body": body})  # fmt: skip
        assert resp.status_code == 422
        html = resp.get_data(as_text=True)
        assert 'data-field-error="body"' in html and 'data-testid="reply-form"' in html
    assert len(messages(req.id)) == 1 and emails(f"work-request:{req.id}:answer:") == []


def test_the_api_gives_the_thread_to_staff_and_the_requests_client_only(intake, receiver):
    req = _opened(intake, receiver)
    [kept] = files(req.id)
    path = f"/work-requests/{req.id}/messages"
    for reader in (intake.owner_api, intake.contact_api):
        resp = reader.get(path)
        assert resp.status_code == 200, resp.json
        body = resp.json
        assert body["title"] == "Easter newsletter" and "Easter" in body["details"]
        [opening] = body["messages"]
        assert opening["opens_request"] and opening["author"] == "client"
        [meta] = opening["files"]
        assert (meta["id"], meta["filename"], meta["content_type"], meta["size"]) == (
            kept.id, "brief.pdf", "application/pdf", len(PDF)
        )  # fmt: skip
        assert meta["download_url"] == f"/{intake.slug}/requests/{req.id}/files/{kept.id}"
    assert intake.stranger_api.get(path).status_code == 404
    assert intake.va_api.get(path).status_code == 403


def test_answers_through_the_api_follow_the_pages_rules(intake, receiver):
    req = _opened(intake, receiver)
    path = f"/work-requests/{req.id}/messages"
    for bad in ({}, {"body": ""}, {"body": "   "}, {"body": "x" * 10_001}):
        resp = intake.contact_api.post(path, json=bad)
        assert resp.status_code == 422 and "body" in resp.json["errors"], (bad, resp.json)
    assert intake.stranger_api.post(path, json={"body": "Not mine"}).status_code == 404
    assert intake.va_api.post(path, json={"body": "VA"}).status_code == 403
    assert len(messages(req.id)) == 1
    assert emails(f"work-request:{req.id}:answer:") == emails(f"work-request:{req.id}:reply:") == []

    resp = intake.contact_api.post(path, json={"body": "The 14th, please."})
    assert resp.status_code == 201, resp.json
    assert resp.json["author"] == "client" and "The 14th" in resp.json["body"]
    told = emails(f"work-request:{req.id}:answer:{resp.json['id']}:")
    assert sorted(e.to_addr for e in told) == intake.staff_emails

    resp = intake.owner_api.post(path, json={"body": "Noted, the 14th."})
    assert resp.status_code == 201 and resp.json["author"] == "agency"
    [sent] = emails(f"work-request:{req.id}:reply:{resp.json['id']}")
    assert sent.to_addr == intake.contact_email and sent.reply_to == intake.address
    thread = intake.contact_api.get(path).json["messages"]
    assert [m["author"] for m in thread] == ["client", "client", "agency"]


def test_a_portal_login_without_a_contact_record_answers_as_the_client(
    inbound_app, intake, receiver
):
    req = _opened(intake, receiver)
    with tenant(intake.agency_id):
        agency = db.session.get(Agency, intake.agency_id)
        login = MembershipFactory(agency=agency, role="client", client_id=intake.client_id)
        name = login.user.name
        login_api = api(inbound_app, login)
    db.session.commit()
    resp = login_api.post(f"/work-requests/{req.id}/messages", json={"body": "Me too."})
    assert resp.status_code == 201, resp.json
    assert (resp.json["author"], resp.json["author_name"]) == ("client", name)
    page = intake.owner_web.get(f"/{intake.slug}/requests/{req.id}").get_data(as_text=True)
    assert f'data-message-id="{resp.json["id"]}" data-from="client"' in page


def test_an_answer_sent_twice_with_one_idempotency_key_is_stored_once(intake, receiver):
    req = _opened(intake, receiver)
    path = f"/work-requests/{req.id}/messages"
    headers = {**intake.contact_api.headers, "Idempotency-Key": "answer-14th"}
    url = intake.contact_api._url(path)
    first, again = (
        intake.contact_api.client.post(url, json={"body": "The 14th."}, headers=headers)
        for _ in range(2)
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert len(messages(req.id)) == 2
    assert len(emails(f"work-request:{req.id}:answer:")) == len(intake.staff_emails)
