"""HTML pages of invoices: the list (and its CSV), the invoice page (the editor while it is
a draft), its actions and payments. Settings, receivables and a client's billing page live
in `billing_views` on the same blueprint.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema -> service -> commit once -> redirect. A refused form re-renders the invoice
page with the messages beside the fields (422), a refused action with its reason (409).
The draft editor works without JavaScript; with htmx its forms swap only the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from app.core.errors import Conflict, ValidationFailed
from app.core.idempotency import once_per_form
from app.core.money import compute, format_money, format_plain, input_value
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.uow import commit
from app.extensions import db
from app.invoices import policy
from app.invoices.csv_export import invoices_csv, plain
from app.invoices.deposits import deduct_deposit
from app.invoices.line_sources import line_sources
from app.invoices.lines import (
    add_line,
    add_lines_from_source,
    label,
    remove_line,
    update_line,
)
from app.invoices.models import PAYMENT_METHODS, Invoice, InvoiceLine
from app.invoices.payments import (
    delete_payment,
    record_payment,
    record_refund,
    refundable_minor,
)
from app.invoices.queries import (
    LIST_STATUSES,
    credit_notes_of,
    days_overdue,
    display_status,
    export_rows,
    get_invoice_or_404,
    get_line_or_404,
    get_payment_or_404,
    invoice_client_options,
    invoice_page,
    invoice_payments,
    is_overdue,
    open_deposits,
    tax_rate_list,
    today_in,
)
from app.invoices.schemas import (
    CreditNoteIn,
    DeductDepositIn,
    EmptyIn,
    InvoiceFilterArgs,
    InvoiceIn,
    InvoicePatchIn,
    IssueIn,
    LineIn,
    PaymentIn,
    SourceLinesIn,
    VoidIn,
)
from app.invoices.services import (
    create_credit_note,
    create_invoice,
    delete_invoice,
    issue_invoice,
    send_invoice,
    update_invoice,
    void_invoice,
)

bp = Blueprint("invoices", __name__, template_folder="templates")

FILTER_KEYS = ("status", "kind", "client_id", "currency", "q", "page", "per_page")
STATUS_LABELS = {
    "draft": "Draft",
    "issued": "Issued",
    "sent": "Sent",
    "partially_paid": "Partly paid",
    "paid": "Paid",
    "void": "Void",
    "overdue": "Overdue",
}
METHOD_LABELS = {
    "bank_transfer": "Bank transfer",
    "paypal": "PayPal",
    "wise": "Wise",
    "card": "Card",
    "cash": "Cash",
    "other": "Other",
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "money": format_money,
        "plain_money": format_plain,
        "input_value": input_value,
        "STATUS_LABELS": STATUS_LABELS,
        "METHOD_LABELS": METHOD_LABELS,
        "display_status": display_status,
        "invoice_label": label,
        "num": plain,
    }


def _show_url(invoice_id: int, anchor: str = "") -> str:
    url = url_for("invoices.show_invoice", agency_slug=g.actor.agency.slug, invoice_id=invoice_id)
    return url + (f"#{anchor}" if anchor else "")


# --- list and CSV --------------------------------------------------------------------------


def _filters() -> tuple[MultiDict, dict, dict]:
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in FILTER_KEYS])
    try:
        return raw, load_form(InvoiceFilterArgs(), raw), {}
    except ValidationFailed as exc:
        return raw, {"page": 1, "per_page": 25}, exc.errors


@bp.get("/<agency_slug>/invoices")
@roles("owner", "manager", "client")
def list_invoices(agency_slug: str) -> ResponseReturnValue:
    """Invoices and credit notes: filters (status incl. overdue, client, currency, number),
    paginated. A client contact sees their own client's issued invoices."""
    actor = g.actor
    raw, filters, errors = _filters()
    page = invoice_page(actor, filters)
    if errors:
        page.items, page.total = [], 0
    manager = actor.is_manager
    currencies = (
        list(db.session.scalars(sa.select(Invoice.currency).distinct().order_by(Invoice.currency)))
        if manager
        else []
    )
    args = {k: v for k, v in raw.items() if k != "page" and v}
    return render_template(
        "invoices/list.html",
        page=page,
        filters=raw.to_dict(),
        args=args,
        errors=errors,
        clients=invoice_client_options(actor),
        currencies=currencies,
        statuses=LIST_STATUSES,
        overdue={inv.id: is_overdue(inv) for inv in page.items},
        can_create=policy.can_create_invoice(actor),
        can_export=policy.can_export_invoices(actor),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/invoices/export.csv")
@roles(*MANAGERS)
def export_invoices(agency_slug: str) -> ResponseReturnValue:
    """The filtered invoices as CSV, one row per line, amounts in major units exactly as
    stored (the same computation as every page: the line amounts add up to the totals)."""
    _authorize(policy.can_export_invoices(g.actor))
    _, filters, errors = _filters()
    if errors:
        raise ValidationFailed(errors)
    return Response(
        invoices_csv(db.session.scalars(export_rows(g.actor, filters)).unique()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="invoices-{agency_slug}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- new draft -----------------------------------------------------------------------------


@bp.route("/<agency_slug>/invoices/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_invoice(agency_slug: str) -> ResponseReturnValue:
    _authorize(policy.can_create_invoice(g.actor))
    values: dict = {"client_id": request.args.get("client_id", "")}
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            invoice = create_invoice(g.actor, load_form(InvoiceIn(), request.form))
            commit()
            flash("Draft created. Add its lines, then issue it.", "success")
            return redirect(_show_url(invoice.id))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template(
        "invoices/new.html", values=values, errors=errors, clients=invoice_client_options(g.actor)
    ), (422 if errors else 200)


# --- the invoice page ----------------------------------------------------------------------


def _render_show(
    invoice: Invoice,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    editing_line: InvoiceLine | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    actor = g.actor
    manager = actor.is_manager
    draft = invoice.status == "draft"
    lines = list(invoice.lines)
    totals = compute(lines, invoice.rounding)
    sources = []
    if draft and policy.can_edit_invoice(actor, invoice):
        sources = [(s, s.candidates(invoice)) for s in line_sources()]
    return render_template(
        "invoices/show.html",
        invoice=invoice,
        actor=actor,
        client=invoice.client,
        lines=lines,
        totals=totals,
        status_key=display_status(invoice),
        overdue_days=days_overdue(invoice) if is_overdue(invoice) else 0,
        payments=list(db.session.scalars(invoice_payments(actor, invoice))),
        credit_notes=credit_notes_of(invoice) if invoice.kind == "invoice" else [],
        credited=(
            db.session.get(Invoice, invoice.credited_invoice_id)
            if invoice.credited_invoice_id
            else None
        ),
        tax_rates=tax_rate_list(actor, active_only=True) if manager else [],
        sources=sources,
        deposits=open_deposits(invoice.client_id, invoice.currency)
        if draft and manager and not invoice.is_deposit and not invoice.deposit_invoice_id
        else [],
        editing_line=editing_line,
        errors=errors or {},
        values=values or {},
        base_currency=actor.agency.base_currency,
        can_edit=draft and policy.can_edit_invoice(actor, invoice),
        can_manage=manager,
        can_delete_payment=actor.role == "owner",
        refundable=refundable_minor(invoice),
        methods=PAYMENT_METHODS,
        today=today_in(actor.agency.time_zone),
    ), status


@bp.get("/<agency_slug>/invoices/<int:invoice_id>")
@roles("owner", "manager", "client")
def show_invoice(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    return _render_show(get_invoice_or_404(g.actor, invoice_id))


def _act(
    invoice: Invoice,
    form: str,
    schema: Schema,
    action: Callable[[dict], Any],
    message: str | Callable[[Any], str],
    anchor: str = "",
    *,
    editing_line: InvoiceLine | None = None,
) -> ResponseReturnValue:
    """Parse the form with `schema`, run `action(data)`, commit, redirect to the invoice;
    on bad input or a refused action, re-render the page with the form's messages."""
    invoice_id = invoice.id
    try:
        result = action(load_form(schema, request.form))
        commit()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        invoice = get_invoice_or_404(g.actor, invoice_id)
        errors = exc.errors or {"_schema": [exc.message]}
        if editing_line is not None:
            editing_line = db.session.get(InvoiceLine, editing_line.id)
        return _render_show(
            invoice,
            errors={form: errors},
            values={form: _form_values()},
            editing_line=editing_line,
            status=exc.status,
        )
    flash(message(result) if callable(message) else message, "success")
    target = result.id if isinstance(result, Invoice) else invoice_id
    return redirect(_show_url(target, anchor))


def _form_values() -> dict:
    """The submitted form to show again; `ids` keeps every ticked box, not just the first."""
    values: dict[str, Any] = request.form.to_dict()
    if "ids" in request.form:
        values["ids"] = request.form.getlist("ids")
    return values


def _invoice_for(invoice_id: int, allowed: Callable[[Any, Invoice], bool]) -> Invoice:
    invoice = get_invoice_or_404(g.actor, invoice_id)
    _authorize(allowed(g.actor, invoice))
    return invoice


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/edit")
@roles(*MANAGERS)
def edit_invoice(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_edit_invoice)
    return _act(
        invoice,
        "header",
        InvoicePatchIn(),
        lambda d: update_invoice(g.actor, invoice, d),
        "Draft saved.",
        "terms",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/delete")
@roles(*MANAGERS)
def delete_draft(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_edit_invoice)
    try:
        delete_invoice(g.actor, invoice)
        commit()
    except Conflict as exc:
        db.session.rollback()
        invoice = get_invoice_or_404(g.actor, invoice_id)
        return _render_show(invoice, errors={"actions": {"_schema": [exc.message]}}, status=409)
    flash("Draft deleted.", "success")
    return redirect(url_for("invoices.list_invoices", agency_slug=agency_slug))


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/lines")
@roles(*MANAGERS)
def add_invoice_line(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_edit_invoice)
    return _act(
        invoice, "line", LineIn(), lambda d: add_line(g.actor, invoice, d), "Line added.", "lines"
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/lines/import")
@roles(*MANAGERS)
def import_lines(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_edit_invoice)
    form = "source:" + request.form.get("source", "")
    return _act(
        invoice,
        form,
        SourceLinesIn(),
        lambda d: add_lines_from_source(g.actor, invoice, d),
        lambda added: f"{len(added)} line{'s' if len(added) != 1 else ''} added.",
        "lines",
    )


@bp.route("/<agency_slug>/invoice-lines/<int:line_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_line(agency_slug: str, line_id: int) -> ResponseReturnValue:
    """The invoice page with this line in the line form (htmx swaps just that form)."""
    line = get_line_or_404(g.actor, line_id)
    invoice = line.invoice
    _authorize(policy.can_edit_invoice(g.actor, invoice))
    if request.method == "GET":
        if invoice.status != "draft":
            return redirect(_show_url(invoice.id))
        return _render_show(invoice, editing_line=line)
    return _act(
        invoice,
        "line",
        LineIn(),
        lambda d: update_line(g.actor, line, d),
        "Line saved.",
        "lines",
        editing_line=line,
    )


@bp.post("/<agency_slug>/invoice-lines/<int:line_id>/delete")
@roles(*MANAGERS)
def delete_line(agency_slug: str, line_id: int) -> ResponseReturnValue:
    line = get_line_or_404(g.actor, line_id)
    invoice = line.invoice
    _authorize(policy.can_edit_invoice(g.actor, invoice))
    return _act(
        invoice, "lines", EmptyIn(), lambda d: remove_line(g.actor, line), "Line removed.", "lines"
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/deposit")
@roles(*MANAGERS)
def deduct_invoice_deposit(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_edit_invoice)
    return _act(
        invoice,
        "deposit",
        DeductDepositIn(),
        lambda d: deduct_deposit(g.actor, invoice, d),
        "Deposit deducted.",
        "lines",
    )


# --- actions -------------------------------------------------------------------------------


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/issue")
@roles(*MANAGERS)
@once_per_form
def issue(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_issue_invoice)
    return _act(
        invoice,
        "actions",
        IssueIn(),
        lambda d: issue_invoice(g.actor, invoice, d),
        lambda inv: f"{inv.number} issued; its PDF is being prepared and emailed.",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/send")
@roles(*MANAGERS)
@once_per_form
def send_again(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_send_invoice)
    return _act(
        invoice,
        "actions",
        EmptyIn(),
        lambda d: send_invoice(g.actor, invoice),
        "It will be rendered and emailed again in a moment.",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/void")
@roles(*MANAGERS)
def void(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_void_invoice)
    return _act(
        invoice,
        "void",
        VoidIn(),
        lambda d: void_invoice(g.actor, invoice, d),
        lambda inv: f"{inv.number} is void. It keeps its number.",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/credit-note")
@roles(*MANAGERS)
@once_per_form
def credit_note(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_credit_invoice)
    return _act(
        invoice,
        "credit",
        CreditNoteIn(),
        lambda d: create_credit_note(g.actor, invoice, d),
        lambda note: f"Credit note {note.number} issued.",
    )


# --- payments ------------------------------------------------------------------------------


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/payments")
@roles(*MANAGERS)
@once_per_form
def add_payment(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_record_payment)
    return _act(
        invoice,
        "payment",
        PaymentIn(),
        lambda d: record_payment(g.actor, invoice, d),
        "Payment recorded.",
        "payments",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/refunds")
@roles(*MANAGERS)
@once_per_form
def add_refund(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice_for(invoice_id, policy.can_record_payment)
    return _act(
        invoice,
        "refund",
        PaymentIn(),
        lambda d: record_refund(g.actor, invoice, d),
        "Refund recorded.",
        "payments",
    )


@bp.post("/<agency_slug>/payments/<int:payment_id>/delete")
@roles("owner")
def remove_payment(agency_slug: str, payment_id: int) -> ResponseReturnValue:
    payment = get_payment_or_404(g.actor, payment_id)
    _authorize(policy.can_delete_payment(g.actor, payment))
    invoice = get_invoice_or_404(g.actor, payment.invoice_id)
    return _act(
        invoice,
        "payments",
        EmptyIn(),
        lambda d: delete_payment(g.actor, payment),
        "Payment removed; the balance is updated.",
        "payments",
    )


from app.invoices import billing_views  # noqa: E402,F401 - registers its routes on `bp`
