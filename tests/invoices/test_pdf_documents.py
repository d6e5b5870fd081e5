"""The render-and-send job (versions, checksums, idempotence, recipients, emails) and the
PDF downloads for owners, managers and client contacts (embedded default: jobs run
in-process after commit)."""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.core import storage
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.documents.models import InvoiceDocument
from app.documents.services import email_key, recipients, render_and_send
from app.extensions import db
from app.invoices.models import Invoice
from app.users.models import Membership
from tests.factories import AgencyFactory, ClientFactory, ContactFactory, MembershipFactory
from tests.helpers import api_token, bearer
from tests.invoices.pdf_helpers import make_invoice, pdf_text
from tests.objects import signed_in_client


@dataclass(frozen=True)
class Doc:
    id: int
    version: int
    storage_key: str
    sha256: str
    size: int


def _documents(invoice_id: int) -> list[Doc]:
    """Plain copies (requests made with fresh() empty the session)."""
    db.session.expire_all()
    with all_tenants():
        rows = db.session.scalars(
            sa.select(InvoiceDocument)
            .where(InvoiceDocument.invoice_id == invoice_id)
            .order_by(InvoiceDocument.version)
        )
        return [Doc(d.id, d.version, d.storage_key, d.sha256, d.size) for d in rows]


def _emails(agency_id: int) -> list[OutboundEmail]:
    db.session.expire_all()
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.agency_id == agency_id)
                .order_by(OutboundEmail.id)
            )
        )


def _invoice(invoice_id: int) -> Invoice:
    db.session.expire_all()
    with all_tenants():
        return db.session.get(Invoice, invoice_id)


def _run(invoice, **kw) -> dict:
    with all_tenants():
        agency_id, invoice_id = invoice.agency_id, invoice.id
    with tenant(agency_id):
        return render_and_send(agency_id, invoice_id, **kw)


@pytest.fixture
def billed_client():
    client = ClientFactory(name="Harbour & Co", locale="en", currency="USD")
    ContactFactory(client=client, name="Olivia Billing", email="olivia@harbour.test",
                   is_billing=True)  # fmt: skip
    ContactFactory(client=client, name="No Email", email=None, is_billing=True)
    ContactFactory(client=client, name="Sam Ops", email="sam@harbour.test", is_billing=False)
    return client


def test_job_stores_a_checksummed_version_emails_billing_contacts_and_marks_sent(
    app, billed_client
):
    invoice = make_invoice(billed_client, status="issued", number="INV-2026-00007")
    result = _run(invoice)

    docs = _documents(invoice.id)
    assert [d.version for d in docs] == [1]
    doc = docs[0]
    assert doc.storage_key == f"agency/{invoice.agency_id}/invoice/{invoice.id}/v1.pdf"
    data = storage.get(doc.storage_key)
    assert hashlib.sha256(data).hexdigest() == doc.sha256 and doc.size == len(data)
    assert "INV-2026-00007" in pdf_text(data)
    assert result["new_version"] is True and result["emails"] == 1

    emails = _emails(invoice.agency_id)
    assert [e.to_addr for e in emails] == ["olivia@harbour.test"]
    sent = emails[0]
    assert sent.status == "sent"  # the email job ran after the commit (embedded default)
    assert "INV-2026-00007" in sent.subject
    assert sent.attachments == [
        {"filename": "INV-2026-00007.pdf", "content_type": "application/pdf",
         "key": doc.storage_key, "sha256": doc.sha256}
    ]  # fmt: skip
    assert f"/invoices/{invoice.id}/pdf" in sent.text_body
    assert _invoice(invoice.id).status == "sent"


def test_a_rerun_for_the_same_state_adds_no_version_and_no_email(app, billed_client):
    invoice = make_invoice(billed_client)
    _run(invoice)
    again = _run(invoice)
    assert again["new_version"] is False and again["emails"] == 0
    assert len(_documents(invoice.id)) == 1
    assert len(_emails(invoice.agency_id)) == 1


def test_a_changed_invoice_gets_a_new_version_without_email(app, billed_client):
    invoice = make_invoice(billed_client)
    _run(invoice)
    with all_tenants():
        db.session.get(Invoice, invoice.id).paid_minor = 1000
        db.session.flush()
    result = _run(invoice, send=False)
    assert result["version"] == 2 and result["new_version"]
    docs = _documents(invoice.id)
    assert [d.version for d in docs] == [1, 2] and docs[0].sha256 != docs[1].sha256
    assert docs[1].storage_key.endswith("/v2.pdf")
    assert len(_emails(invoice.agency_id)) == 1


def test_without_billing_contacts_every_contact_with_an_email_gets_it(app):
    client = ClientFactory()
    ContactFactory(client=client, email="a@client.test")
    ContactFactory(client=client, email="A@client.test")  # the same address once
    ContactFactory(client=client, email="b@client.test")
    ContactFactory(client=client, email=None)
    with tenant(client.agency_id):
        assert [e for _, e in recipients(client.id)] == ["a@client.test", "b@client.test"]
    invoice = make_invoice(client)
    agency_id = client.agency_id
    _run(invoice)
    assert sorted(e.to_addr for e in _emails(agency_id)) == [
        "a@client.test",
        "b@client.test",
    ]


def test_no_contact_with_an_email_means_not_sent(app):
    client = ClientFactory()
    ContactFactory(client=client, email=None)
    invoice = make_invoice(client)
    invoice_id = invoice.id
    result = _run(invoice)
    assert result["recipients"] == 0 and "warning" in result
    assert _invoice(invoice_id).status == "issued"
    assert len(_documents(invoice_id)) == 1


def test_drafts_and_missing_invoices_are_left_alone(app, billed_client):
    draft = make_invoice(billed_client, status="draft")
    assert _run(draft)["status"] == "draft"
    assert _documents(draft.id) == []
    with tenant(billed_client.agency_id):
        assert render_and_send(billed_client.agency_id, 2_000_000_000)["status"] == "missing"


def test_arabic_client_gets_an_arabic_email(app):
    client = ClientFactory(locale="ar", currency="SAR")
    ContactFactory(client=client, name="ليلى", email="layla@client.test", is_billing=True)
    invoice = make_invoice(client, number="INV-2026-00009")
    agency_id = client.agency_id
    _run(invoice)
    (sent,) = _emails(agency_id)
    assert sent.subject.startswith("فاتورة INV-2026-00009")
    assert 'dir="rtl"' in sent.html_body and "مرحبًا ليلى" in sent.text_body


def test_email_keys_are_per_invoice_version_recipient_and_sending():
    assert email_key(7, 2, "Olivia@Harbour.test", "job12") == (
        "invoice:7:v2:send:job12:to:olivia@harbour.test"
    )


# --- downloads ------------------------------------------------------------------------------


@pytest.fixture
def shop(app):
    """An agency with staff, a client contact login, two clients' issued invoices with PDFs,
    and a draft."""
    agency = AgencyFactory(name="Juniper Desk")
    members = {r: MembershipFactory(agency=agency, role=r) for r in ("owner", "manager", "va")}
    own = ClientFactory(agency=agency, name="Own Client")
    other = ClientFactory(agency=agency, name="Other Client")
    members["client"] = MembershipFactory(agency=agency, role="client", client_id=own.id)
    ContactFactory(client=own, email="own@client.test", is_billing=True)
    ContactFactory(client=other, email="other@client.test", is_billing=True)
    mine = make_invoice(own, number="INV-2026-00001")
    theirs = make_invoice(other, number="INV-2026-00002")
    draft = make_invoice(own, status="draft")
    ids = (agency.slug, agency.id, {r: m.user_id for r, m in members.items()}, mine.id,
           theirs.id, draft.id)  # fmt: skip
    _run(mine)
    _run(theirs)
    db.session.commit()
    return Shop(*ids)


@dataclass(frozen=True)
class Shop:
    slug: str
    agency_id: int
    users: dict
    mine: int
    theirs: int
    draft: int


def _get(app, user_id: int, url: str):
    return signed_in_client(app, user_id).get(url)


def _token(app, user_id: int) -> str:
    with all_tenants():
        membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user_id))
        return api_token(membership)


def test_owner_manager_and_own_client_download_the_pdf(app, shop):
    doc = _documents(shop.mine)[0]
    for role in ("owner", "manager", "client"):
        resp = _get(app, shop.users[role], f"/{shop.slug}/invoices/{shop.mine}/pdf")
        assert resp.status_code == 200, role
        assert resp.mimetype == "application/pdf"
        assert resp.headers["Content-Disposition"] == 'attachment; filename="INV-2026-00001.pdf"'
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert hashlib.sha256(resp.data).hexdigest() == doc.sha256
    url = f"/{shop.slug}/invoices/{shop.mine}/documents/{doc.id}/pdf"
    resp = _get(app, shop.users["owner"], url)
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF-")


def test_client_contact_cannot_download_another_clients_pdf(app, shop):
    user = shop.users["client"]
    other_doc = _documents(shop.theirs)[0]
    base = f"/{shop.slug}/invoices"
    assert _get(app, user, f"{base}/{shop.theirs}/pdf").status_code == 404
    assert _get(app, user, f"{base}/{shop.theirs}/documents/{other_doc.id}/pdf").status_code == 404
    # Another invoice's document id under their own invoice: not found either.
    assert _get(app, user, f"{base}/{shop.mine}/documents/{other_doc.id}/pdf").status_code == 404
    assert _get(app, user, f"{base}/{shop.draft}/pdf").status_code == 404
    token = _token(app, user)
    api = app.test_client()
    url = f"/api/v1/{shop.slug}/invoices/{{}}/pdf"
    assert api.get(url.format(shop.theirs), headers=bearer(token)).status_code == 404
    assert api.get(url.format(shop.mine), headers=bearer(token)).status_code == 200


def test_staff_without_billing_rights_and_other_agencies_get_nothing(app, shop):
    url = f"/{shop.slug}/invoices/{shop.mine}/pdf"
    assert _get(app, shop.users["va"], url).status_code == 403
    stranger = MembershipFactory(role="owner")
    db.session.commit()
    with all_tenants():
        slug, user_id = stranger.agency.slug, stranger.user_id
    assert _get(app, user_id, f"/{slug}/invoices/{shop.mine}/pdf").status_code == 404


def test_a_tampered_pdf_is_never_served(app, shop):
    doc = _documents(shop.mine)[0]
    storage.put(doc.storage_key, b"%PDF-1.7 tampered")
    resp = _get(app, shop.users["owner"], f"/{shop.slug}/invoices/{shop.mine}/pdf")
    assert resp.status_code == 500
    assert b"tampered" not in resp.data


def test_api_lists_versions_and_downloads(app, shop):
    token = _token(app, shop.users["owner"])
    api = app.test_client()
    base = f"/api/v1/{shop.slug}/invoices/{shop.mine}"
    resp = api.get(f"{base}/documents", headers=bearer(token))
    assert resp.status_code == 200
    (item,) = resp.get_json()["items"]
    assert item["version"] == 1 and len(item["sha256"]) == 64
    pdf = api.get(item["download_url"], headers=bearer(token))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == item["sha256"]
    latest = api.get(f"{base}/pdf", headers=bearer(token))
    assert latest.data == pdf.data
    assert "attachment" in latest.headers["Content-Disposition"]


def test_render_again_makes_a_job_and_no_email(app, shop):
    http = signed_in_client(app, shop.users["manager"])
    before = len(_emails(shop.agency_id))
    resp = http.post(f"/{shop.slug}/invoices/{shop.mine}/pdf/render")
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    assert len(_documents(shop.mine)) == 1  # same state: same bytes, same version
    assert len(_emails(shop.agency_id)) == before
    assert http.post(f"/{shop.slug}/invoices/{shop.draft}/pdf/render").status_code == 403
    client_http = signed_in_client(app, shop.users["client"])
    assert client_http.post(f"/{shop.slug}/invoices/{shop.mine}/pdf/render").status_code == 403


def test_the_email_carries_the_pdf(app, billed_client, monkeypatch):
    """What the SMTP server receives: the stored PDF as an attachment (checksum read)."""
    from app.core import mail

    captured = []
    monkeypatch.setattr(mail, "send_message", lambda msg, url: captured.append(msg))
    invoice = make_invoice(billed_client, number="INV-2026-00011")
    invoice_id = invoice.id
    _run(invoice)
    (msg,) = captured
    parsed = email.message_from_bytes(msg.as_bytes())
    parts = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1 and parts[0].get_filename() == "INV-2026-00011.pdf"
    assert parts[0].get_payload(decode=True) == storage.get(_documents(invoice_id)[0].storage_key)


def test_invoice_page_lists_the_pdf_versions(app, shop):
    doc = _documents(shop.mine)[0]
    link = f"/{shop.slug}/invoices/{shop.mine}/documents/{doc.id}/pdf"
    owner = _get(app, shop.users["owner"], f"/{shop.slug}/invoices/{shop.mine}")
    body = owner.get_data(as_text=True)
    assert owner.status_code == 200 and 'data-testid="invoice-documents"' in body
    assert link in body and "Version 1" in body and "Render again" in body
    client = _get(app, shop.users["client"], f"/{shop.slug}/invoices/{shop.mine}")
    body = client.get_data(as_text=True)
    assert client.status_code == 200 and link in body and "Render again" not in body
    draft = _get(app, shop.users["owner"], f"/{shop.slug}/invoices/{shop.draft}")
    assert "The PDF is made when the invoice is issued." in draft.get_data(as_text=True)
