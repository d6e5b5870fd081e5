"""Threads of requests by email: a staff answer is emailed with the headers that bring the
client's answer back onto the same request; the request, its files and its thread are shown
to owners and managers and to the client contact, nobody else."""

from __future__ import annotations

import pytest

from app.core.mail import build_message, message_id
from tests.inbound.conftest import CONFIG
from tests.inbound.support import PDF, emails, files, mail, messages, requests, send

pytestmark = pytest.mark.no_db


def _opened(intake, receiver):
    first = mail(
        intake.contact_email, intake.address, files=(("brief.pdf", PDF, "application/pdf"),)
    )
    send(receiver, first)
    [req] = requests(intake.agency_id)
    return first, req


def test_a_staff_answer_is_emailed_and_the_clients_answer_threads_back(intake, receiver):
    first, req = _opened(intake, receiver)
    resp = intake.owner_web.post(
        f"/{intake.slug}/requests/{req.id}/replies", data={"body": "Which Friday do you mean?"}
    )
    assert resp.status_code == 302
    [sent] = emails(f"work-request:{req.id}:reply:")
    assert (sent.to_addr, sent.reply_to) == (intake.contact_email, intake.address)
    assert sent.in_reply_to == first["Message-ID"] and sent.references == first["Message-ID"]
    wire = build_message(sent, CONFIG["MAIL_FROM"])
    assert wire["In-Reply-To"] == first["Message-ID"] and wire["Reply-To"] == intake.address
    ours = message_id(sent, CONFIG["MAIL_FROM"])
    assert wire["Message-ID"] == ours
    [staff] = messages(req.id)[1:]
    assert staff.message_id == ours and staff.author_user_id is not None

    answer = mail(intake.contact_email, intake.address, subject="Re: Easter newsletter",
                  text="The 14th, please.", in_reply_to=ours)  # fmt: skip
    send(receiver, answer)
    send(receiver, answer)  # delivered twice: stored once
    assert len(requests(intake.agency_id)) == 1
    thread = messages(req.id)
    assert [m.opens_request for m in thread] == [True, False, False]
    assert thread[2].message_id == answer["Message-ID"] and "The 14th" in thread[2].body
    assert thread[2].contact_id is not None
    # Owners and managers hear of the answer, once each despite the second delivery.
    told = emails(f"work-request:{req.id}:answer:")
    assert sorted(e.to_addr for e in told) == intake.staff_emails

    # An answer to the client's own first mail threads too (In-Reply-To it).
    send(receiver, mail(intake.contact_email, intake.address, text="Also: add the logo.",
                        in_reply_to=first["Message-ID"]))  # fmt: skip
    assert len(requests(intake.agency_id)) == 1 and len(messages(req.id)) == 4
    # A mail answering something we never saw is a new request.
    send(receiver, mail(intake.contact_email, intake.address, subject="Flyer",
                        in_reply_to="<unknown@elsewhere.test>"))  # fmt: skip
    assert [r.title for r in requests(intake.agency_id)] == ["Easter newsletter", "Flyer"]


def test_the_request_is_shown_to_staff_and_its_client_only(intake, receiver):
    _, req = _opened(intake, receiver)
    [kept] = files(req.id)
    listing = intake.owner_web.get(f"/{intake.slug}/requests").get_data(as_text=True)
    assert f"/{intake.slug}/requests/{req.id}" in listing
    for browser in (intake.owner_web, intake.manager_web):
        page = browser.get(f"/{intake.slug}/requests/{req.id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert (
            "Easter newsletter" in html
            and "brief.pdf" in html
            and 'data-testid="reply-form"' in html
        )
    home = intake.contact_web.get(f"/{intake.slug}/portal").get_data(as_text=True)
    assert f"/{intake.slug}/portal/requests/{req.id}" in home
    page = intake.contact_web.get(f"/{intake.slug}/portal/requests/{req.id}")
    assert page.status_code == 200 and "brief.pdf" in page.get_data(as_text=True)
    download = intake.contact_web.get(f"/{intake.slug}/requests/{req.id}/files/{kept.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Another client's contact and a VA: not theirs to see.
    assert intake.stranger_web.get(f"/{intake.slug}/portal/requests/{req.id}").status_code == 404
    assert (
        intake.stranger_web.get(f"/{intake.slug}/requests/{req.id}/files/{kept.id}").status_code
        == 404
    )
    assert intake.va_web.get(f"/{intake.slug}/requests/{req.id}").status_code == 403


def test_an_empty_answer_is_422_naming_the_field_and_sends_nothing(intake, receiver):
    _, req = _opened(intake, receiver)
    for body in ("", "   ", "x" * 10_001):
        resp = intake.owner_web.post(f"/{intake.slug}/requests/{req.id}/replies",
                                     data={"body": body})  # fmt: skip
        assert resp.status_code == 422
        assert 'data-field-error="body"' in resp.get_data(as_text=True)
    assert len(messages(req.id)) == 1 and emails(f"work-request:{req.id}:reply:") == []


def test_owners_see_and_replace_the_address_managers_only_see_it(intake, receiver):
    page = intake.owner_web.get(f"/{intake.slug}/clients/{intake.client_id}")
    html = page.get_data(as_text=True)
    assert intake.address in html and "Replace the address" in html
    html = intake.manager_web.get(f"/{intake.slug}/clients/{intake.client_id}").get_data(
        as_text=True
    )
    assert intake.address in html and "Replace the address" not in html
    html = intake.va_web.get(f"/{intake.slug}/clients/{intake.client_id}").get_data(as_text=True)
    assert 'data-testid="intake-address"' not in html
    rotate = f"/{intake.slug}/clients/{intake.client_id}/intake-address"
    assert intake.manager_web.post(rotate).status_code == 403
    assert intake.owner_web.post(rotate).status_code == 302
    html = intake.owner_web.get(f"/{intake.slug}/clients/{intake.client_id}").get_data(as_text=True)
    assert intake.address not in html and "requests+" in html
