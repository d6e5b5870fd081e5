"""HTML pages of invoices: the list (and its CSV), the invoice page (the editor while it is
a draft) and its actions. On the same blueprint (app.invoices.blueprint): the settings
pages (`settings_views`), payments and receivables (app.payments.views) and a client's
billing page (app.retainers.views).

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema -> service -> commit once -> redirect. A refused form re-renders the invoice
page with the messages beside the fields (422), a refused action with its reason (409).
The draft editor works without JavaScript; with htmx its forms swap only the editor.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.core.errors import Conflict, ValidationFailed
from app.core.idempotency import once_per_form
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.core.uow import commit
from app.extensions import db
from app.invoices import policy
from app.invoices.blueprint import bp
from app.invoices.credit_notes import create_credit_note
from app.invoices.csv_export import invoices_csv
from app.invoices.lines import (
    add_line,
    add_lines_from_source,
    remove_line,
    update_line,
)
from app.invoices.models import Invoice
from app.invoices.pages import act, invoice_for, render_show, show_url
from app.invoices.queries import (
    LIST_STATUSES,
    export_rows,
    get_invoice_or_404,
    get_line_or_404,
    invoice_client_options,
    invoice_page,
    is_overdue,
)
from app.invoices.schemas import (
    CreditNoteIn,
    EmptyIn,
    InvoiceFilterArgs,
    InvoiceIn,
    InvoicePatchIn,
    IssueIn,
    LineIn,
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

# --- list and CSV --------------------------------------------------------------------------

FILTER_KEYS = ("status", "kind", "client_id", "currency", "q", "page", "per_page")


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
            flash(_("Draft created. Add its lines, then issue it."), "success")
            return redirect(show_url(invoice.id))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template(
        "invoices/new.html", values=values, errors=errors, clients=invoice_client_options(g.actor)
    ), (422 if errors else 200)


# --- the invoice page ----------------------------------------------------------------------


@bp.get("/<agency_slug>/invoices/<int:invoice_id>")
@roles("owner", "manager", "client")
def show_invoice(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    return render_show(get_invoice_or_404(g.actor, invoice_id))


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/edit")
@roles(*MANAGERS)
def edit_invoice(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_edit_invoice)
    return act(
        invoice,
        "header",
        InvoicePatchIn(),
        lambda d: update_invoice(g.actor, invoice, d),
        _("Draft saved."),
        "terms",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/delete")
@roles(*MANAGERS)
def delete_draft(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_edit_invoice)
    try:
        delete_invoice(g.actor, invoice)
        commit()
    except Conflict as exc:
        db.session.rollback()
        invoice = get_invoice_or_404(g.actor, invoice_id)
        return render_show(invoice, errors={"actions": {"_schema": [exc.message]}}, status=409)
    flash(_("Draft deleted."), "success")
    return redirect(url_for("invoices.list_invoices", agency_slug=agency_slug))


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/lines")
@roles(*MANAGERS)
def add_invoice_line(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_edit_invoice)
    return act(
        invoice,
        "line",
        LineIn(),
        lambda d: add_line(g.actor, invoice, d),
        _("Line added."),
        "lines",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/lines/import")
@roles(*MANAGERS)
def import_lines(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_edit_invoice)
    form = "source:" + request.form.get("source", "")
    return act(
        invoice,
        form,
        SourceLinesIn(),
        lambda d: add_lines_from_source(g.actor, invoice, d),
        lambda added: ngettext("%(num)d line added.", "%(num)d lines added.", len(added)),
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
            return redirect(show_url(invoice.id))
        return render_show(invoice, editing_line=line)
    return act(
        invoice,
        "line",
        LineIn(),
        lambda d: update_line(g.actor, line, d),
        _("Line saved."),
        "lines",
        editing_line=line,
    )


@bp.post("/<agency_slug>/invoice-lines/<int:line_id>/delete")
@roles(*MANAGERS)
def delete_line(agency_slug: str, line_id: int) -> ResponseReturnValue:
    line = get_line_or_404(g.actor, line_id)
    invoice = line.invoice
    _authorize(policy.can_edit_invoice(g.actor, invoice))
    return act(
        invoice,
        "lines",
        EmptyIn(),
        lambda d: remove_line(g.actor, line),
        _("Line removed."),
        "lines",
    )


# --- actions -------------------------------------------------------------------------------


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/issue")
@roles(*MANAGERS)
@once_per_form
def issue(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_issue_invoice)
    return act(
        invoice,
        "actions",
        IssueIn(),
        lambda d: issue_invoice(g.actor, invoice, d),
        lambda inv: _(
            "%(number)s issued; its PDF is being prepared and emailed.", number=inv.number
        ),
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/send")
@roles(*MANAGERS)
@once_per_form
def send_again(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_send_invoice)
    return act(
        invoice,
        "actions",
        EmptyIn(),
        lambda d: send_invoice(g.actor, invoice),
        _("It will be rendered and emailed again in a moment."),
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/void")
@roles(*MANAGERS)
def void(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_void_invoice)
    return act(
        invoice,
        "void",
        VoidIn(),
        lambda d: void_invoice(g.actor, invoice, d),
        lambda inv: _("%(number)s is void. It keeps its number.", number=inv.number),
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/credit-note")
@roles(*MANAGERS)
@once_per_form
def credit_note(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_credit_invoice)
    return act(
        invoice,
        "credit",
        CreditNoteIn(),
        lambda d: create_credit_note(g.actor, invoice, d),
        lambda note: _("Credit note %(number)s issued.", number=note.number),
    )


# --- payments ------------------------------------------------------------------------------
