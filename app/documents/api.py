"""JSON API of invoice PDFs (versions and downloads), invoice branding and month batches.

Routes with an id load the object first, before any body is parsed, so another agency's id
is a 404 whatever the body holds. PDFs come back as `application/pdf` attachments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from app.core.errors import Forbidden
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import BaseSchema, error_response, file_response
from app.core.uow import commit
from app.documents.branding import (
    BrandingIn,
    BrandingOut,
    branding_values,
    can_edit_branding,
    can_see_branding,
    find_branding,
    update_branding,
)
from app.documents.downloads import DOWNLOAD_ROLES, pdf_response
from app.documents.services import can_download_invoice_pdf, get_document_or_404, invoice_documents
from app.invoices.batch import (
    BatchIn,
    BatchOut,
    batch_values,
    can_run_batch,
    get_batch_or_404,
    start_batch,
)
from app.invoices.models import Invoice
from app.invoices.queries import get_invoice_or_404

blp = Blueprint(
    "invoice_documents_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Invoice PDFs, invoice branding and month-end batches",
)

PDF_RESPONSE = {
    "200": file_response("The PDF (checksum verified before it is sent)", "application/pdf"),
    "404": error_response("No such invoice, or no PDF made for it yet"),
}


class DocumentOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    size = fields.Integer(dump_only=True)
    sha256 = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    download_url = fields.String(dump_only=True)


class DocumentListOut(BaseSchema):
    items = fields.List(fields.Nested(DocumentOut), dump_only=True)


def _load_invoice(fn: Callable) -> Callable:
    """Replace `invoice_id` with the invoice (or its 404) before anything else runs."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        invoice = get_invoice_or_404(g.actor, kwargs.pop("invoice_id"))
        if not can_download_invoice_pdf(g.actor, invoice):
            raise Forbidden("Your role does not allow this.")
        kwargs["invoice"] = invoice
        return fn(*args, **kwargs)

    return wrapper


@blp.route("/invoices/<int:invoice_id>/documents")
class InvoiceDocuments(MethodView):
    @roles(*DOWNLOAD_ROLES)
    @_load_invoice
    @blp.response(200, DocumentListOut)
    def get(self, agency_slug: str, invoice: Invoice) -> dict:
        """Every stored PDF version of an invoice, newest first, with its SHA-256."""
        return {
            "items": [
                {
                    "id": d.id,
                    "version": d.version,
                    "size": d.size,
                    "sha256": d.sha256,
                    "created_at": d.created_at,
                    "download_url": url_for(
                        "invoice_documents_api.InvoiceDocumentPdf",
                        agency_slug=agency_slug,
                        invoice_id=invoice.id,
                        document_id=d.id,
                    ),
                }
                for d in invoice_documents(invoice.id)
            ]
        }


@blp.route("/invoices/<int:invoice_id>/pdf")
class InvoicePdf(MethodView):
    @roles(*DOWNLOAD_ROLES)
    @_load_invoice
    @blp.doc(responses=PDF_RESPONSE)
    def get(self, agency_slug: str, invoice: Invoice) -> Response:
        """The latest PDF of an invoice (owners, managers; a client contact: their own)."""
        return pdf_response(invoice, get_document_or_404(invoice))


@blp.route("/invoices/<int:invoice_id>/documents/<int:document_id>/pdf")
class InvoiceDocumentPdf(MethodView):
    @roles(*DOWNLOAD_ROLES)
    @_load_invoice
    @blp.doc(responses=PDF_RESPONSE)
    def get(self, agency_slug: str, invoice: Invoice, document_id: int) -> Response:
        """One stored version of an invoice's PDF."""
        return pdf_response(invoice, get_document_or_404(invoice, document_id))


@blp.route("/branding")
class BrandingResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, BrandingOut)
    def get(self, agency_slug: str) -> dict:
        """The agency's invoice branding (logos are uploaded on the branding page)."""
        _authorize(can_see_branding(g.actor))
        return branding_values(find_branding())

    @roles("owner")
    @blp.arguments(BrandingIn(partial=True))
    @blp.response(200, BrandingOut)
    def patch(self, data: dict, agency_slug: str) -> dict:
        """Change some branding fields (owners): #rrggbb colours, a bundled font, http(s)
        payment links."""
        _authorize(can_edit_branding(g.actor))
        branding = update_branding(g.actor, data)
        commit()
        return branding_values(branding)


@blp.route("/invoice-batches")
class Batches(MethodView):
    @roles("owner")
    @blp.arguments(BatchIn)
    @blp.response(202, BatchOut)
    def post(self, data: dict, agency_slug: str) -> dict:
        """Issue and send every draft of a month in the background (owners); poll the
        returned batch for progress and the summary."""
        _authorize(can_run_batch(g.actor))
        job = start_batch(g.actor, data)
        commit()
        return _batch_out(job, agency_slug)


@blp.route("/invoice-batches/<int:batch_id>")
class BatchResource(MethodView):
    @roles("owner")
    @blp.response(200, BatchOut)
    def get(self, agency_slug: str, batch_id: int) -> dict:
        """A batch's progress and, once finished, its summary."""
        return _batch_out(get_batch_or_404(g.actor, batch_id), agency_slug)


def _batch_out(job: Any, agency_slug: str) -> dict:
    out = batch_values(job)
    out["job_url"] = url_for("jobs.show_job", agency_slug=agency_slug, job_id=job.id)
    return out
