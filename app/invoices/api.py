"""JSON API of invoices, credit notes, lines, payments, receivables, tax rates, retainers and
invoice settings: the same schemas, services, rules and messages as the pages (409 for an
illegal state, 422 naming the field for bad input).

Routes with an id load the object first (`loads`), before the body or query string is
parsed, so another agency's id is a 404 whatever the body holds. Amounts are integer minor
units plus the currency, with strings formatted in the invoice's locale.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import Forbidden
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, roles
from app.core.schemas import PageArgs
from app.core.uow import commit
from app.invoices import policy
from app.invoices.lines import add_line, add_lines_from_source, remove_line, update_line
from app.invoices.models import Invoice, InvoiceLine, Payment, RetainerPlan, TaxRate
from app.invoices.payments import delete_payment, record_payment
from app.invoices.queries import (
    get_invoice_or_404,
    get_line_or_404,
    get_payment_or_404,
    get_retainer_or_404,
    get_tax_rate_or_404,
    invoice_page,
    invoice_payments,
    invoice_settings,
    visible_retainers,
    visible_tax_rates,
)
from app.invoices.receivables import receivables
from app.invoices.retainers import create_retainer, delete_retainer, update_retainer
from app.invoices.schemas import (
    CreditNoteIn,
    DeductDepositIn,
    DepositIn,
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
    PaymentIn,
    PaymentOut,
    PaymentPageOut,
    ReceivablesOut,
    RetainerIn,
    RetainerOut,
    RetainerPageOut,
    RetainerPatchIn,
    SettingsIn,
    SettingsOut,
    SourceLinesIn,
    TaxRateIn,
    TaxRateOut,
    TaxRatePageOut,
    TaxRatePatchIn,
    VoidIn,
)
from app.invoices.services import (
    create_credit_note,
    create_deposit_invoice,
    create_invoice,
    deduct_deposit,
    delete_invoice,
    issue_invoice,
    send_invoice,
    update_invoice,
    void_invoice,
)
from app.invoices.settings import create_tax_rate, update_invoice_settings, update_tax_rate

blp = Blueprint(
    "invoices_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Invoices, credit notes, lines, payments, receivables, tax rates, retainers",
)


def loads(getter: Callable[[Any, int], Any], id_arg: str, name: str) -> Callable:
    """Replace the URL's `id_arg` with the object `getter(actor, id)` returns (or its 404),
    before any argument parsing of the decorated operation."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[name] = getter(g.actor, kwargs.pop(id_arg))
            return fn(*args, **kwargs)

        return wrapper

    return deco


def _authorize(allowed: bool) -> None:
    if not allowed:
        raise Forbidden("Your role does not allow this.")


def _fresh(invoice: Invoice) -> Invoice:
    """The invoice as committed (lines in order), for the response."""
    return get_invoice_or_404(g.actor, invoice.id)


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
    @blp.arguments(InvoiceIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str) -> Invoice:
        """Create a draft invoice (no number until issued)."""
        _authorize(policy.can_create_invoice(g.actor))
        invoice = create_invoice(g.actor, data)
        commit()
        return _fresh(invoice)


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
        return _fresh(invoice)

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
        return _fresh(invoice)


@blp.route("/invoices/<int:invoice_id>/lines/import")
class InvoiceLineImport(MethodView):
    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(SourceLinesIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        """Add lines from a line source: `package` (fixed-price service packages) or
        `work_item` (delivered work items of the client, a fixed fee each, billed once)."""
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        add_lines_from_source(g.actor, invoice, data)
        commit()
        return _fresh(invoice)


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
        return _fresh(line.invoice)

    @roles(*MANAGERS)
    @loads(get_line_or_404, "line_id", "line")
    @blp.response(200, InvoiceOut)
    def delete(self, agency_slug: str, line: InvoiceLine) -> Invoice:
        """Remove a line from a draft; returns the invoice with its new totals."""
        invoice = line.invoice
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        remove_line(g.actor, line)
        commit()
        return _fresh(invoice)


@blp.route("/invoices/<int:invoice_id>/deposit")
class InvoiceDeposit(MethodView):
    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(DeductDepositIn)
    @blp.response(200, InvoiceOut)
    def post(self, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        """Deduct a paid deposit invoice of the same client on this draft (once)."""
        _authorize(policy.can_edit_invoice(g.actor, invoice))
        deduct_deposit(g.actor, invoice, data)
        commit()
        return _fresh(invoice)


def _action(
    name: str, schema: Any, allowed: Callable, run: Callable, doc: str, code: int = 200
) -> type:
    """A POST /invoices/<id>/<name> operation: load, authorize, run, commit."""

    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(schema, required=False)
    @blp.response(code, InvoiceOut)
    def post(self: Any, data: dict, agency_slug: str, invoice: Invoice) -> Invoice:
        _authorize(allowed(g.actor, invoice))
        result = run(invoice, data)
        commit()
        return _fresh(result)

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


@blp.route("/invoices/<int:invoice_id>/payments")
class InvoicePayments(MethodView):
    @roles("owner", "manager", "client")
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, PaymentPageOut)
    def get(self, args: dict, agency_slug: str, invoice: Invoice) -> dict:
        """Payments recorded on an invoice, newest first."""
        page = paginate(invoice_payments(g.actor, invoice), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(PaymentIn)
    @blp.response(201, PaymentOut)
    def post(self, data: dict, agency_slug: str, invoice: Invoice) -> Payment:
        """Record a full or partial payment in the invoice's currency (`amount_minor`, or
        `amount` in major units). Overpayments and payments on drafts, void invoices and
        credit notes are refused (422 naming the amount)."""
        _authorize(policy.can_record_payment(g.actor, invoice))
        payment = record_payment(g.actor, invoice, data)
        commit()
        return payment


@blp.route("/payments/<int:payment_id>")
class PaymentResource(MethodView):
    @roles("owner", "manager", "client")
    @loads(get_payment_or_404, "payment_id", "payment")
    @blp.response(200, PaymentOut)
    def get(self, agency_slug: str, payment: Payment) -> Payment:
        """One payment."""
        return payment

    @roles("owner")
    @loads(get_payment_or_404, "payment_id", "payment")
    @blp.response(204)
    def delete(self, agency_slug: str, payment: Payment) -> None:
        """Delete a wrongly recorded payment (owners; audited); balance and status follow."""
        _authorize(policy.can_delete_payment(g.actor, payment))
        delete_payment(g.actor, payment)
        commit()


# --- receivables, deposits, retainers ------------------------------------------------------


@blp.route("/receivables")
class ReceivablesResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, ReceivablesOut)
    def get(self, agency_slug: str) -> dict:
        """Outstanding and overdue per client and currency, aging buckets, and totals in
        the base currency where a rate is known (each rate used is listed with its source)."""
        _authorize(policy.can_see_receivables(g.actor))
        data = receivables(g.actor)
        return {
            "base_currency": data.base_currency,
            "rows": data.rows,
            "by_currency": list(data.by_currency.values()),
            "base": data.base,
            "rates": [
                {"number": n, "currency": c, "rate": r.rate, "source": r.source, "note": r.note}
                for n, c, r in data.rates
            ],
            "unconverted": data.unconverted,
        }


@blp.route("/clients/<int:client_id>/deposit-invoices")
class ClientDepositInvoices(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(DepositIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> Invoice:
        """Draft a deposit invoice for the client's deposit % of `amount_minor`."""
        _authorize(policy.can_manage_billing(g.actor, client))
        invoice = create_deposit_invoice(g.actor, client, data)
        commit()
        return _fresh(invoice)


@blp.route("/clients/<int:client_id>/retainers")
class ClientRetainers(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, RetainerPageOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """The client's monthly retainer plans."""
        _authorize(policy.can_manage_billing(g.actor, client))
        stmt = visible_retainers(g.actor).where(RetainerPlan.client_id == client.id)
        page = paginate(stmt.order_by(RetainerPlan.id), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(RetainerIn)
    @blp.response(201, RetainerOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> RetainerPlan:
        """Add a monthly retainer: a draft invoice appears on the agency's recurring day."""
        _authorize(policy.can_manage_billing(g.actor, client))
        plan = create_retainer(g.actor, client, data)
        commit()
        return plan


@blp.route("/retainers/<int:retainer_id>")
class RetainerResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.response(200, RetainerOut)
    def get(self, agency_slug: str, plan: RetainerPlan) -> RetainerPlan:
        """One retainer plan."""
        return plan

    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.arguments(RetainerPatchIn(partial=True))
    @blp.response(200, RetainerOut)
    def patch(self, data: dict, agency_slug: str, plan: RetainerPlan) -> RetainerPlan:
        """Change a retainer plan (`active: false` pauses its monthly drafts)."""
        _authorize(policy.can_manage_billing(g.actor, plan))
        update_retainer(g.actor, plan, data)
        commit()
        return plan

    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.response(204)
    def delete(self, agency_slug: str, plan: RetainerPlan) -> None:
        """Remove a retainer plan; invoices it drafted stay."""
        _authorize(policy.can_manage_billing(g.actor, plan))
        delete_retainer(g.actor, plan)
        commit()


# --- settings and tax rates ----------------------------------------------------------------


@blp.route("/invoice-settings")
class InvoiceSettingsResource(MethodView):
    @roles("owner")
    @blp.response(200, SettingsOut)
    def get(self, agency_slug: str) -> Any:
        """Numbering formats, yearly restart, rounding rule, recurring day, reminders."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        return invoice_settings()

    @roles("owner")
    @blp.arguments(SettingsIn(partial=True))
    @blp.response(200, SettingsOut)
    def patch(self, data: dict, agency_slug: str) -> Any:
        """Change settings; number formats allow only `{year}` and `{seq}`/`{seq:05}`."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        row = update_invoice_settings(g.actor, data)
        commit()
        return row


@blp.route("/tax-rates")
class TaxRatesResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TaxRatePageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """The agency's tax rates (inclusive or exclusive; retired ones last)."""
        stmt = visible_tax_rates(g.actor).order_by(TaxRate.active.desc(), TaxRate.name)
        page = paginate(stmt, args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles("owner")
    @blp.arguments(TaxRateIn)
    @blp.response(201, TaxRateOut)
    def post(self, data: dict, agency_slug: str) -> TaxRate:
        """Add a tax rate (`rate_percent`: 15 for 15 %)."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        rate = create_tax_rate(g.actor, data)
        commit()
        return rate


@blp.route("/tax-rates/<int:tax_rate_id>")
class TaxRateResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_tax_rate_or_404, "tax_rate_id", "rate")
    @blp.response(200, TaxRateOut)
    def get(self, agency_slug: str, rate: TaxRate) -> TaxRate:
        """One tax rate."""
        return rate

    @roles("owner")
    @loads(get_tax_rate_or_404, "tax_rate_id", "rate")
    @blp.arguments(TaxRatePatchIn(partial=True))
    @blp.response(200, TaxRateOut)
    def patch(self, data: dict, agency_slug: str, rate: TaxRate) -> TaxRate:
        """Change or retire (`active: false`) a rate; existing lines keep their copy."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        update_tax_rate(g.actor, rate, data)
        commit()
        return rate
