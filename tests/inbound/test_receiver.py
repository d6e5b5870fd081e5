"""Requests by email through a real receiver (aiosmtpd, LMTP and SMTP) and a real client
(smtplib): new requests with their files, refusals at RCPT and DATA, threading, and one
request per Message-ID however often or concurrently it is delivered."""

from __future__ import annotations

import smtplib
import threading

import pytest

from app.agencies.models import Agency
from app.clients.models import Client
from app.core import storage
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.extensions import db
from app.inbound import receiving
from app.inbound.addresses import rotate_intake_address
from app.inbound.receiver import make_controller
from tests.inbound.conftest import DOMAIN
from tests.inbound.support import HTML, PDF, emails, files, mail, messages, requests, send, wire
from tests.workers.conftest import free_port

pytestmark = pytest.mark.no_db


def test_a_contact_mail_becomes_a_request_with_its_accepted_files(intake, receiver):
    msg = mail(
        intake.contact_email,
        intake.address,
        files=(("brief.pdf", PDF, "application/pdf"), ("page.html", HTML, "text/html"),
               ("photo.png", PDF, "image/png"), ("big.pdf", PDF + b"0" * 60_000,
                                                 "application/pdf")),
    )  # fmt: skip
    assert send(receiver, msg) == {}
    [req] = requests(intake.agency_id)
    assert (req.title, req.client_id, req.status) == ("Easter newsletter", intake.client_id, "open")
    assert req.requested_by_id == intake.contact_member_id  # the contact's portal login
    assert "&lt;Easter&gt; newsletter &amp; send it Friday." in req.details
    [kept] = files(req.id)
    assert (kept.filename, kept.content_type, kept.size) == ("brief.pdf", "application/pdf",
                                                              len(PDF))  # fmt: skip
    assert storage.get(kept.storage_key, kept.sha256) == PDF
    [opening] = messages(req.id)
    assert opening.opens_request and opening.message_id == msg["Message-ID"]
    assert opening.dropped_files == [
        {"filename": "page.html", "reason": "refused_type"},
        {"filename": "photo.png", "reason": "refused_type"},
        {"filename": "big.pdf", "reason": "too_large"},
    ]
    # The portal's rule for new requests ran: owners and managers are emailed, once each.
    sent = emails(f"work-request:{req.id}:asked:")
    assert sorted(e.to_addr for e in sent) == intake.staff_emails


def test_unknown_and_replaced_addresses_are_refused_at_rcpt(intake, receiver):
    for rcpt in (
        f"requests+{'a' * 24}@{DOMAIN}",
        intake.address.replace("@", "@other."),
        f"someone@{DOMAIN}",
    ):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(receiver, mail(intake.contact_email, rcpt), rcpt)
        code, text = refused.value.recipients[rcpt]
        assert code == 550 and b"No such intake address" in text
    old = intake.address
    with tenant(intake.agency_id):
        client = db.session.get(Client, intake.client_id)
        rotate_intake_address(Actor(user=None, agency=db.session.get(Agency, intake.agency_id)),
                              client)  # fmt: skip
        db.session.commit()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(receiver, mail(intake.contact_email, old), old)
    assert requests(intake.agency_id) == []


def test_a_stranger_is_refused_at_data_and_nothing_is_kept(intake, receiver):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(receiver, mail("mallory@elsewhere.test", intake.address))
    assert refused.value.smtp_code == 550
    assert b"not a contact of this client" in refused.value.smtp_error
    # A contact of another client of the same agency is a stranger here too.
    assert requests(intake.agency_id) == []


def test_a_second_recipient_waits_for_its_own_delivery(intake, receiver):
    client = smtplib.LMTP("127.0.0.1", receiver)
    client.ehlo()  # LHLO: smtplib.LMTP speaks it for ehlo()
    client.mail(intake.contact_email)
    assert client.rcpt(intake.address)[0] == 250
    assert client.rcpt(intake.address)[0] == 452
    client.quit()


def test_the_same_message_delivered_twice_makes_one_request(intake, receiver):
    msg = mail(intake.contact_email, intake.address, files=(("brief.pdf", PDF, "application/pdf"),))
    send(receiver, msg)
    send(receiver, msg)  # e.g. the MTA lost our 250 and tried again
    [req] = requests(intake.agency_id)
    assert len(messages(req.id)) == 1 and len(files(req.id)) == 1
    assert len(emails(f"work-request:{req.id}:asked:")) == 2  # owner + manager, once each


def test_two_receivers_racing_on_one_message_make_one_request(intake, inbound_app, monkeypatch):
    """Both deliveries pass the "seen before?" check before either commits (the attachment
    step is slowed down), so only the unique Message-ID keeps the second out."""
    ports = [free_port(), free_port()]
    controllers = [make_controller(inbound_app, "127.0.0.1", p, lmtp=True) for p in ports]
    for c in controllers:
        c.start()
    slow = threading.Barrier(2, timeout=10)
    real = receiving._files_of
    outcomes = []
    real_receive = receiving._receive

    def files_after_both_looked(msg):
        slow.wait()
        return real(msg)

    def recording(raw, address):
        outcome = real_receive(raw, address)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(receiving, "_files_of", files_after_both_looked)
    monkeypatch.setattr(receiving, "_receive", recording)
    msg = mail(intake.contact_email, intake.address)
    results, errors = [], []

    def deliver(port):
        try:
            results.append(send(port, msg))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(p,)) for p in ports]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        for c in controllers:
            c.stop()
    assert errors == [] and results == [{}, {}]  # both senders were told 250
    [req] = requests(intake.agency_id)
    assert len(messages(req.id)) == 1
    assert len(emails(f"work-request:{req.id}:asked:")) == 2
    assert len(outcomes) == 1  # the loser failed on the unique key, its work rolled back


def test_a_message_over_the_limit_gets_552(intake, receiver, smtp_receiver):
    big = mail(intake.contact_email, intake.address, text="x" * 250_000)
    with pytest.raises(smtplib.SMTPResponseException) as refused:
        send(receiver, big)
    assert refused.value.smtp_code == 552
    # Without SIZE in MAIL FROM the server reads it all and refuses it at the end.
    client = smtplib.SMTP("127.0.0.1", smtp_receiver)
    client.helo("sender.test")  # HELO: no ESMTP, no SIZE
    client.mail(intake.contact_email)
    client.rcpt(intake.address)
    code, _ = client.data(wire(big))
    client.quit()
    assert code == 552
    assert requests(intake.agency_id) == []


def test_smtp_mode_takes_mail_too(intake, smtp_receiver):
    send(smtp_receiver, mail(intake.contact_email, intake.address), lmtp=False)
    assert len(requests(intake.agency_id)) == 1


def test_a_mail_without_message_id_is_still_stored_once(intake, receiver):
    msg = mail(intake.contact_email, intake.address)
    del msg["Message-ID"]
    send(receiver, msg)
    send(receiver, msg)
    [req] = requests(intake.agency_id)
    [row] = messages(req.id)
    assert row.message_id.endswith("@baton.invalid>")
