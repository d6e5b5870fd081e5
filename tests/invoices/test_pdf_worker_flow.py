"""The whole flow with real processes: issuing an invoice enqueues the PDF job, a real RQ
worker (`python -m workers`) renders and stores it and queues the email, the email job
delivers it once with the PDF attached to a real SMTP server (aiosmtpd), the invoice is
`sent`, and the client contact downloads the same PDF from their login.

These tests commit for real (marked no_db); the fixtures of tests/workers empty every table.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
from email import policy

import pytest
import sqlalchemy as sa

from app.agencies.models import Agency
from app.core.clock import today_in
from app.core.jobs import OutboxJob
from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.schedule import clock_round
from app.core.storage import get as storage_get
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.documents.models import InvoiceDocument
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.services import issue_invoice
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
)
from tests.invoices.pdf_helpers import make_invoice
from tests.workers.conftest import (  # noqa: F401 - fixtures used by name
    private_redis,
    rq_app,
    smtp,
    worker_env,
    workers,
)

pytestmark = pytest.mark.no_db


def _setup() -> dict:
    agency = AgencyFactory(name="Juniper Desk", time_zone="Europe/London", base_currency="USD")
    owner = MembershipFactory(agency=agency, role="owner")
    client = ClientFactory(agency=agency, name="Harbour & Co", locale="ar", currency="USD")
    other = ClientFactory(agency=agency, name="Other Client")
    login = MembershipFactory(agency=agency, role="client", client_id=client.id)
    ContactFactory(client=client, name="Layla Haddad", email="layla@harbour.test",
                   is_billing=True, membership_id=login.id)  # fmt: skip
    ContactFactory(client=client, name="Ops", email="ops@harbour.test", is_billing=False)
    draft = make_invoice(client, status="draft", lines=[("دعم البريد الإلكتروني", "3", 4500)])
    # Issued today and due in 15 days: the clock's reminder sweep has nothing to chase
    # (a fixed date would be chased once it lies in the past, whatever day the test runs).
    today = today_in(other.time_zone)
    theirs = make_invoice(other, status="issued", number="INV-2026-09999", issue_date=today,
                          due_date=today + dt.timedelta(days=15))  # fmt: skip
    db.session.commit()
    return {
        "agency_id": agency.id,
        "slug": agency.slug,
        "owner_id": owner.id,
        "client_email": login.user.email,
        "invoice_id": draft.id,
        "other_invoice_id": theirs.id,
    }


def _about(handler, number: str) -> list:
    parsed = [email.message_from_bytes(m, policy=policy.default) for m in handler.messages]
    return [m for m in parsed if number in str(m["Subject"])]


def _issue(world: dict) -> str:
    """The owner issues the draft (what the invoice page's Issue button does)."""
    from app.users.models import Membership

    with tenant(world["agency_id"]):
        membership = db.session.get(Membership, world["owner_id"])
        actor = Actor(
            user=membership.user,
            agency=db.session.get(Agency, world["agency_id"]),
            membership=membership,
        )
        invoice = db.session.get(Invoice, world["invoice_id"])
        issue_invoice(actor, invoice)
        number = invoice.number
        commit()  # the PDF job is published to the private Redis right after the commit
    return number


def _state(invoice_id: int) -> tuple[Invoice, list[InvoiceDocument], list[OutboundEmail]]:
    db.session.expire_all()
    with all_tenants():
        invoice = db.session.get(Invoice, invoice_id)
        docs = list(
            db.session.scalars(
                sa.select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice_id)
            )
        )
        emails = list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))
    # Periodic jobs may mail the client too (an NPS survey): the invoice's mail only.
    emails = [e for e in emails if invoice.number and invoice.number in (e.subject or "")]
    return invoice, docs, emails


def test_issue_render_email_once_sent_and_client_downloads(rq_app, smtp, workers):  # noqa: F811
    handler, _ = smtp
    world = _setup()
    number = _issue(world)
    with all_tenants():
        jobs = db.session.scalars(sa.select(OutboxJob.func)).all()
    assert "app.documents.services.render_and_send" in jobs

    log = workers.burst(timeout=120)  # the pdf job, then the email job it queued

    invoice, docs, emails = _state(world["invoice_id"])
    assert [d.version for d in docs] == [1], log[-2000:]
    assert invoice.status == "sent" and invoice.sent_at is not None
    assert [e.to_addr for e in emails] == ["layla@harbour.test"]
    assert emails[0].status == "sent"

    # Periodic jobs may mail the client too (an NPS survey): count the invoice's mail.
    mine = _about(handler, number)
    assert len(mine) == 1, log[-2000:]
    message = mine[0]
    assert message["To"] == "layla@harbour.test"
    assert number in str(message["Subject"])
    attachments = [
        p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    assert len(attachments) == 1 and attachments[0].get_filename() == f"{number}.pdf"
    pdf = attachments[0].get_content()
    assert hashlib.sha256(pdf).hexdigest() == docs[0].sha256
    assert pdf == storage_get(docs[0].storage_key, docs[0].sha256)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/{world['slug']}/invoices/{world['invoice_id']}/pdf" in body  # download
    assert f"/{world['slug']}/invoices/{world['invoice_id']}\n" in body  # the page

    # The clock's sweeps and more workers send nothing again.
    clock_round()
    workers.burst(timeout=60)
    assert len(_about(handler, number)) == 1
    _, docs_after, emails_after = _state(world["invoice_id"])
    assert len(docs_after) == 1 and len(emails_after) == 1

    # The client contact signs in and downloads their invoice, not another client's.
    http = rq_app.test_client()
    resp = http.post("/login", data={"email": world["client_email"], "password": PASSWORD})
    assert resp.status_code in (302, 303)
    download = http.get(f"/{world['slug']}/invoices/{world['invoice_id']}/pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf" and download.data == pdf
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    other = http.get(f"/{world['slug']}/invoices/{world['other_invoice_id']}/pdf")
    assert other.status_code == 404
