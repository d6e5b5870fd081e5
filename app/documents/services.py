"""Invoice PDFs: the render-and-send job, stored versions, recipients and downloads.

`render_and_send(agency_id, invoice_id, send)` runs on the `pdf` queue. It locks the invoice
row, renders the PDF from `invoice_context()` and stores it under
`agency/<agency>/invoice/<invoice>/v<n>.pdf` with its SHA-256 as a new `InvoiceDocument`
version. Rendering is deterministic, so a re-run for the same invoice state produces the
same bytes and reuses the latest version instead of adding one. With `send`, it queues one
email per recipient (billing contacts, else every contact with an email) with the PDF
attached and a link to it, keyed by invoice, version and recipient, so a re-run sends
nothing twice; then the invoice is marked sent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from werkzeug.exceptions import NotFound

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Contact
from app.core import storage
from app.core.i18n import speaking_locale
from app.core.jobs import current_job, enqueue_job
from app.core.mail import Attachment, OutboundEmail, queue_email
from app.core.permissions import MANAGERS, Actor
from app.core.translation import gettext
from app.core.uow import commit
from app.documents.models import InvoiceDocument
from app.documents.rendering import invoice_context, render_invoice_pdf
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.services import mark_sent

JOB = "app.documents.services.render_and_send"
PDF_TYPE = "application/pdf"
SENDABLE = ("issued", "sent", "partially_paid")  # statuses whose PDF goes to the client
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# --- policy (pure) ----------------------------------------------------------------------------


def can_download_invoice_pdf(actor: Actor, invoice: Invoice) -> bool:
    """Owners and managers: any invoice of the agency; a client contact: their client's."""
    if actor.role in MANAGERS:
        return True
    return (
        actor.role == "client"
        and invoice.client_id == actor.membership.client_id
        and invoice.status != "draft"
    )


def can_render_invoice_pdf(actor: Actor, invoice: Invoice) -> bool:
    return actor.role in MANAGERS and invoice.status != "draft"


# --- read side --------------------------------------------------------------------------------


def invoice_documents(invoice_id: int) -> list[InvoiceDocument]:
    """Every stored version, newest first."""
    return list(
        db.session.scalars(
            sa.select(InvoiceDocument)
            .where(InvoiceDocument.invoice_id == invoice_id)
            .order_by(InvoiceDocument.version.desc())
        )
    )


def latest_document(invoice_id: int) -> InvoiceDocument | None:
    return db.session.scalar(
        sa.select(InvoiceDocument)
        .where(InvoiceDocument.invoice_id == invoice_id)
        .order_by(InvoiceDocument.version.desc())
        .limit(1)
    )


def get_document_or_404(invoice: Invoice, document_id: int | None = None) -> InvoiceDocument:
    """A version of `invoice`'s PDF (the latest when `document_id` is None), or 404."""
    if document_id is None:
        doc = latest_document(invoice.id)
    else:
        doc = db.session.scalar(
            sa.select(InvoiceDocument).where(
                InvoiceDocument.id == document_id, InvoiceDocument.invoice_id == invoice.id
            )
        )
    if doc is None:
        raise NotFound("No PDF has been made for this invoice yet.")
    return doc


def pdf_filename(invoice: Invoice, doc: InvoiceDocument) -> str:
    """A download name made of safe characters only (header-safe)."""
    base = _SAFE_NAME.sub("-", invoice.number or f"invoice-{invoice.id}").strip("-.")
    suffix = f"-v{doc.version}" if doc.version > 1 else ""
    return f"{base or 'invoice'}{suffix}.pdf"


@dataclass(frozen=True)
class PdfFile:
    filename: str
    data: bytes
    sha256: str


def read_document(invoice: Invoice, doc: InvoiceDocument) -> PdfFile:
    """The stored bytes, refused (ValueError) when they no longer match the checksum."""
    return PdfFile(pdf_filename(invoice, doc), storage.get(doc.storage_key, doc.sha256), doc.sha256)


# --- write side (a request) -------------------------------------------------------------------


def request_pdf(actor: Actor, invoice: Invoice) -> Any:
    """Ask for the PDF to be rendered again (e.g. after a payment or a branding change);
    no email is sent. The job runs after the caller's commit."""
    name = invoice.number or f"invoice {invoice.id}"
    job = enqueue_job(
        db.session,
        JOB,
        label=f"Render PDF of {name}",
        agency_id=invoice.agency_id,
        queue="pdf",
        invoice_id=invoice.id,
        send=False,
    )
    record(actor, "invoice.pdf_requested", invoice, summary=f"PDF of {name} to be made again")
    return job


# --- the job ----------------------------------------------------------------------------------


def render_and_send(agency_id: int, invoice_id: int, send: bool = True) -> dict:
    """Render, store and (with `send`) email an invoice's PDF; safe to run any number of
    times. Runs with the tenant of `agency_id` (set by the outbox runner)."""
    invoice = db.session.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)
    if invoice is None:
        db.session.rollback()
        return {"status": "missing"}
    if invoice.status == "draft":
        db.session.rollback()
        return {"status": "draft", "invoice_id": invoice_id}
    context = invoice_context(invoice_id)
    doc, created = store_pdf(agency_id, invoice, render_invoice_pdf(context))
    result: dict[str, Any] = {
        "invoice_id": invoice_id,
        "document_id": doc.id,
        "version": doc.version,
        "new_version": created,
        "emails": 0,
    }
    if send and invoice.status in SENDABLE:
        queued, recipients_count = _email_pdf(agency_id, invoice, doc, context)
        result["emails"], result["recipients"] = queued, recipients_count
        if recipients_count:
            _mark_sent(invoice_id)
        else:
            result["warning"] = "The client has no contact with an email address."
    # Publish the email jobs right after this commit (not at the clock's next sweep).
    commit()
    return result


def store_pdf(agency_id: int, invoice: Invoice, data: bytes) -> tuple[InvoiceDocument, bool]:
    """Keep `data` as the next version, unless it equals the latest version's bytes."""
    latest = latest_document(invoice.id)

    digest = hashlib.sha256(data).hexdigest()
    if latest is not None and latest.sha256 == digest and storage.exists(latest.storage_key):
        return latest, False
    version = (latest.version if latest else 0) + 1
    key = storage.make_key("agency", agency_id, "invoice", invoice.id, f"v{version}.pdf")
    stored = storage.put(key, data)
    doc = InvoiceDocument(
        agency_id=agency_id,
        invoice_id=invoice.id,
        version=version,
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
    )
    db.session.add(doc)
    db.session.flush()
    return doc, True


def recipients(client_id: int) -> list[tuple[str, str]]:
    """(name, email) of the client's billing contacts; if none has an email, every contact
    with one. Each address once."""
    contacts = db.session.scalars(
        sa.select(Contact)
        .where(Contact.client_id == client_id, Contact.email.is_not(None), Contact.email != "")
        .order_by(Contact.id)
    ).all()
    chosen = [c for c in contacts if c.is_billing] or list(contacts)
    seen: set[str] = set()
    out = []
    for c in chosen:
        email = (c.email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            out.append((c.name, email))
    return out


def email_key(invoice_id: int, version: int, email: str, send_id: str) -> str:
    """One message per invoice version, recipient and sending: a retry of the same job
    (same `send_id`) finds its messages already queued; 'send again' is a new job."""
    return f"invoice:{invoice_id}:v{version}:send:{send_id}:to:{email.lower()}"[:200]


def _send_id() -> str:
    job = current_job()
    return f"job{job.id}" if job is not None else "direct"


def _email_pdf(
    agency_id: int, invoice: Invoice, doc: InvoiceDocument, context: dict
) -> tuple[int, int]:
    """Queue the PDF email to each recipient this sending has not queued yet; returns
    (newly queued, recipients)."""
    agency = db.session.get(Agency, agency_id)
    people = recipients(invoice.client_id)
    if not people:
        return 0, 0
    send_id = _send_id()
    keys = [email_key(invoice.id, doc.version, email, send_id) for _, email in people]
    existing = set(
        db.session.scalars(
            sa.select(OutboundEmail.idempotency_key).where(OutboundEmail.idempotency_key.in_(keys))
        )
    )
    attachment = Attachment(
        filename=pdf_filename(invoice, doc), content_type=PDF_TYPE, key=doc.storage_key,
        sha256=doc.sha256,
    )  # fmt: skip
    link = external_url("invoices.show_invoice", agency_slug=agency.slug, invoice_id=invoice.id)
    pdf_link = external_url(
        "invoice_documents.download_latest_pdf", agency_slug=agency.slug, invoice_id=invoice.id
    )
    doc_ctx, inv = context["doc"], context["invoice"]
    due_row = next((r for r in context["totals"] if r["kind"] in ("due", "credit")), None)
    queued = 0
    with force_locale(speaking_locale(doc_ctx["locale"], doc_ctx["lang"])):
        title = {
            "credit_note": gettext("credit note"),
            "deposit": gettext("deposit invoice"),
        }.get(inv["title_kind"], gettext("invoice"))
        subject = gettext(
            "%(title)s %(number)s from %(agency)s",
            title=title.capitalize() if doc_ctx["lang"] == "en" else title,
            number=invoice.number or "",
            agency=agency.name,
        )
        for (name, email), key in zip(people, keys, strict=True):
            if key in existing:
                continue
            queue_email(
                db.session,
                key=key,
                to=email,
                locale=speaking_locale(doc_ctx["locale"], doc_ctx["lang"]),
                subject=subject,
                template="invoice",
                context={
                    "lang": doc_ctx["lang"],
                    "dir": doc_ctx["dir"],
                    "contact_name": name,
                    "title": title,
                    "number": invoice.number or "",
                    "agency_name": agency.name,
                    "amount_due": due_row["amount"] if due_row else "",
                    "due_date": inv["due_date"],
                    "link": link,
                    "pdf_link": pdf_link,
                    "color": context["brand"]["primary_color"],
                },
                agency_id=agency_id,
                from_name=agency.name,
                reply_to=getattr(agency, "reply_to_email", None),
                attachments=[attachment],
            )
            queued += 1
    return queued, len(people)


def _mark_sent(invoice_id: int) -> None:
    """The invoice's email is on its way: the core's `mark_sent` moves issued -> sent."""
    mark_sent(invoice_id)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under BASE_URL, built without a request (jobs send links)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
