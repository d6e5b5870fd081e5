"""Invoice PDF downloads (owners, managers, and client contacts for their own invoices) and
the 'render again' button; `documents/_versions.html` lists the versions on the invoice page."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, flash, g, redirect, url_for
from flask.typing import ResponseReturnValue

from app.core.errors import DomainError, Forbidden
from app.core.permissions import MANAGERS, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.documents.models import InvoiceDocument
from app.documents.services import (
    PDF_TYPE,
    can_download_invoice_pdf,
    can_render_invoice_pdf,
    get_document_or_404,
    invoice_documents,
    read_document,
    request_pdf,
)
from app.invoices.models import Invoice
from app.invoices.queries import get_invoice_or_404

log = logging.getLogger("baton.invoices.pdf")
bp = Blueprint("invoice_documents", __name__, template_folder="templates")
DOWNLOAD_ROLES = (*MANAGERS, "client")


class StoredFileDamaged(DomainError):
    """The stored PDF no longer matches its checksum: never serve it."""

    status = 500


def pdf_response(invoice: Invoice, doc: InvoiceDocument) -> Response:
    """The stored PDF as a download: checksum verified, attachment, nosniff."""
    try:
        pdf = read_document(invoice, doc)
    except (ValueError, OSError) as exc:
        log.error("invoice %s PDF v%s unreadable: %s", invoice.id, doc.version, exc)
        raise StoredFileDamaged(
            "This PDF could not be read back intact. Render it again from the invoice page."
        ) from exc
    return Response(
        pdf.data,
        mimetype=PDF_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{pdf.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"{pdf.sha256}"',
        },
    )


@bp.get("/<agency_slug>/invoices/<int:invoice_id>/pdf")
@roles(*DOWNLOAD_ROLES)
def download_latest_pdf(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = get_invoice_or_404(g.actor, invoice_id)
    if not can_download_invoice_pdf(g.actor, invoice):
        raise Forbidden("Your role does not allow this.")
    return pdf_response(invoice, get_document_or_404(invoice))


@bp.get("/<agency_slug>/invoices/<int:invoice_id>/documents/<int:document_id>/pdf")
@roles(*DOWNLOAD_ROLES)
def download_pdf_version(
    agency_slug: str, invoice_id: int, document_id: int
) -> ResponseReturnValue:
    invoice = get_invoice_or_404(g.actor, invoice_id)
    if not can_download_invoice_pdf(g.actor, invoice):
        raise Forbidden("Your role does not allow this.")
    return pdf_response(invoice, get_document_or_404(invoice, document_id))


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/pdf/render")
@roles(*MANAGERS)
def render_pdf_again(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = get_invoice_or_404(g.actor, invoice_id)
    if not can_render_invoice_pdf(g.actor, invoice):
        raise Forbidden(_("Drafts get a PDF when they are issued."))
    job = request_pdf(g.actor, invoice)
    commit()
    flash(_("The PDF is being made; it appears in the list when ready."), "info")
    return redirect(url_for("jobs.show_job", agency_slug=agency_slug, job_id=job.id))


@bp.app_template_global()
def invoice_pdf_versions(invoice_id: int) -> list[dict]:
    """The versions of an invoice's PDF, newest first, as plain values for `_documents.html`
    (empty for viewers who may not download)."""
    actor = g.get("actor")
    if actor is None or actor.role not in DOWNLOAD_ROLES:
        return []
    return [
        {
            "id": d.id,
            "version": d.version,
            "size_kb": max(1, round(d.size / 1024)),
            "sha256": d.sha256,
            "created_at": d.created_at,
        }
        for d in invoice_documents(invoice_id)
    ]
