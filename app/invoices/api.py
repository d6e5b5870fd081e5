"""JSON API of invoices, credit notes and lines (payments, receivables, retainers, settings
and tax rates add theirs to the same blueprint, app.invoices.blueprint): the same schemas,
services, rules and messages as the pages (409 for an illegal state, 422 naming the field
for bad input).

Routes with an id load the object first (`loads`), before the body or query string is
parsed, so another agency's id is a 404 whatever the body holds. Amounts are integer minor
units plus the currency, with strings formatted in the invoice's locale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask.views import MethodView

from app.core.idempotency import idempotent
from app.core.permissions import MANAGERS, loads, roles
from app.core.permissions import authorize as _authorize
from app.core.uow import commit
from app.invoices import policy
from app.invoices.blueprint import blp, fresh
from app.invoices.credit_notes import create_credit_note
from app.invoices.lines import add_line, add_lines_from_source, remove_line, update_line
from app.invoices.models import Invoice, InvoiceLine
from app.invoices.queries import get_invoice_or_404, get_line_or_404, invoice_page
from app.invoices.schemas import (
    CreditNoteIn,
    EmptyIn,
    InvoiceFilterArgs,
    InvoiceIn,
    InvoiceOut,
    InvoicePageOut,
    InvoicePatchIn,
    IssueIn,
    LineIn,
    LineOut,
    LinePatchIn,
    SourceLinesIn,
    VoidIn,
)
from app.invoices.services import (
    create_invoice,
    delete_invoice,
    issue_invoice,
    send_invoice,
    update_invoice,
    void_invoice,
)

# --- invoices ------------------------------------------------------------------------------


@blp.route("/invoices")
class InvoicesResource(MethodView):
    @roles("owner", "manager", "client")
    @blp.arguments(InvoiceFilterArgs, location="query")
    @blp.response(200, InvoicePageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Invoices and credit notes, newest first; filter by status (incl. `overdue`),
        kind, client, currency, part of the number. Client contacts see their own
        client's issued invoices; VAs and QA have no access to money."""
        page = invoice_page(g.actor, args)
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @idempotent
    @blp.arguments(InvoiceIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str) -> Invoice:
        """Create a draft invoice (no number until issued)."""
        _authorize(policy.can_create_invoice(g.actor))
        invoice = create_invoice(g.actor, data)
        commit()
        return fresh(invoice)


@blp.route("/invoices/<int:invoice_id>")
class InvoiceResource(MethodView):
    @roles("owner", "manager", "client")
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.response(200, InvoiceOut)
    def get(self, agency_slug: str, invoice: Invoice) -> Invoice:
        """One invoice or credit note with its lines and totals."""
        return invoice

    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(InvoicePatchIn(partial=True))
    @blp.response(200, InvoiceOut)
    def patch(self, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        """Change a draft's net days, language, period or notes (409 once issued)."""
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        update_invoice(g.actor, invoice, data)
        commit()
        return fresh(invoice)

    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.response(204)
    def delete(self, agency_slug: str, invoice: Invoice) -> None:
        """Delete a draft (409 once it has a number: void it instead)."""
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        delete_invoice(g.actor, invoice)
        commit()


@blp.route("/invoices/<int:invoice_id>/lines")
class InvoiceLines(MethodView):
    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(LineIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        """Add a manual line to a draft (`unit_price_minor` or `unit_price`); returns the
        invoice with its new totals. 409 on an issued invoice."""
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        add_line(g.actor, invoice, data)
        commit()
        return fresh(invoice)


@blp.route("/invoices/<int:invoice_id>/lines/import")
class InvoiceLineImport(MethodView):
    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(SourceLinesIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        """Add lines from a line source: `package` (fixed-price service packages),
        `work_item` (delivered work items of the client, a fixed fee each, billed once) or
        `time` (approved time of the client at its bill rates, billed once: one line per
        `group_by` work item, activity or person and rate; see
        `GET /invoices/{invoice_id}/billable-time`; 409 `time_taken` when another invoice
        took some of it meanwhile)."""
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        add_lines_from_source(g.actor, invoice, data)
        commit()
        return fresh(invoice)


@blp.route("/invoice-lines/<int:line_id>")
class InvoiceLineResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_line_or_404, "line_id", "line")
    @blp.response(200, LineOut)
    def get(self, agency_slug: str, line: InvoiceLine) -> InvoiceLine:
        """One line."""
        return line

    @roles(*MANAGERS)
    @loads(get_line_or_404, "line_id", "line")
    @blp.arguments(LinePatchIn(partial=True))
    @blp.response(200, InvoiceOut)
    def patch(self, data: dict, agency_slug: str, line: InvoiceLine) -> Invoice:
        """Change a line of a draft; returns the invoice with its new totals."""
        _authorize(policy.can_edit_invoice(g.actor, line.invoice))
        update_line(g.actor, line, data)
        commit()
        return fresh(line.invoice)

    @roles(*MANAGERS)
    @loads(get_line_or_404, "line_id", "line")
    @blp.response(200, InvoiceOut)
    def delete(self, agency_slug: str, line: InvoiceLine) -> Invoice:
        """Remove a line from a draft; returns the invoice with its new totals."""
        invoice = line.invoice
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        remove_line(g.actor, line)
        commit()
        return fresh(invoice)


def _action(
    name: str, schema: Any, allowed: Callable, run: Callable, doc: str, code: int = 200
) -> type:
    """A POST /invoices/<id>/<name> operation: load, authorize, run, commit."""

    @roles(*MANAGERS)
    @idempotent
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(schema, required=False)
    @blp.response(code, InvoiceOut)
    def post(self: Any, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        _authorize(allowed(g.actor, invoice))
        result = run(invoice, data)
        commit()
        return fresh(result)

    post.__doc__ = doc
    return type(f"Invoice{name.title().replace('-', '')}", (MethodView,), {"post": post})


blp.route("/invoices/<int:invoice_id>/issue")(
    _action(
        "issue",
        IssueIn,
        policy.can_issue_invoice,
        lambda inv, d: issue_invoice(g.actor, inv, d),
        "Issue a draft: it gets its number (gap-free, in this transaction), issue and due "
        "dates in the client's time zone, and its PDF is rendered and emailed. 409 if it is "
        "not a draft. Optional `rate_to_base` for receivables in the base currency.",
    )
)
blp.route("/invoices/<int:invoice_id>/send")(
    _action(
        "send",
        EmptyIn,
        policy.can_send_invoice,
        lambda inv, d: send_invoice(g.actor, inv),
        "Render and email the invoice again (409 for drafts and void invoices).",
    )
)
blp.route("/invoices/<int:invoice_id>/void")(
    _action(
        "void",
        VoidIn,
        policy.can_void_invoice,
        lambda inv, d: void_invoice(g.actor, inv, d),
        "Void an issued invoice with no payments or credit notes; it keeps its number.",
    )
)
blp.route("/invoices/<int:invoice_id>/credit-notes")(
    _action(
        "credit-notes",
        CreditNoteIn,
        policy.can_credit_invoice,
        lambda inv, d: create_credit_note(g.actor, inv, d),
        "Issue a credit note (own series) against an issued invoice: `mode` full (every "
        "line reversed) or partial (`amount_minor`, optional `tax_rate_id`). Returns the "
        "credit note; the invoice's balance drops by its amount.",
        201,
    )
)


# --- payments ------------------------------------------------------------------------------
