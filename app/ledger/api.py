"""JSON API of the accountants' exports: the same downloads as the page, as streamed
text/csv responses. Owners and managers only."""

from __future__ import annotations

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.permissions import MANAGERS, authorize, roles
from app.core.schemas import file_response
from app.ledger.downloads import ledger_download
from app.ledger.policy import can_export_ledger
from app.ledger.schemas import LedgerArgs

blp = Blueprint(
    "ledger_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Accountants' exports: invoices, credit notes, payments and approved time of "
    "a period as CSV in a double-entry journal, Xero's or QuickBooks Online's import columns",
)


@blp.route("/accounting-exports")
class LedgerExport(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(LedgerArgs, location="query")
    @blp.doc(responses={"200": file_response(
        "journal: date, journal, account, debit, credit, currency, reference, description "
        "(receivables 1100 against revenue 4000 and tax 2200 per invoice, reversed for a "
        "credit note; bank 1000 against receivables per payment). xero: Xero's sales "
        "invoice import columns, or its bank statement columns for payments. quickbooks: "
        "QuickBooks Online's invoice import columns, or a payments CSV. time: date, person, "
        "client, work_item, hours, billable, invoice_number. Amounts are decimals in the "
        "document's currency; text that would start a spreadsheet formula begins with a quote.",
        "text/csv", schema={"type": "string"})})  # fmt: skip
    def get(self, args: dict, agency_slug: str) -> Response:
        """The issued (not void) invoices and credit notes, the payments and refunds, or the
        approved time entries of `date_from`..`date_to` (days in the agency's time zone),
        streamed row by row."""
        authorize(can_export_ledger(g.actor))
        return ledger_download(g.actor, args)
