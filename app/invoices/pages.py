"""What the invoice page's routes share (those of app.invoices.views and of app.payments.views,
whose forms sit on the invoice page): render the page with a form's messages, run an action
and redirect back, load an invoice the actor may act on.

Domains built on invoices add their panel's data to the page with `@invoice_page_panel`
(payments: the payments list and the refund form), so this package never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from app.core.errors import Conflict, ValidationFailed
from app.core.money import compute
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.uow import commit
from app.extensions import db
from app.invoices import policy
from app.invoices.line_sources import line_sources
from app.invoices.models import Invoice, InvoiceLine
from app.invoices.queries import (
    credit_notes_of,
    days_overdue,
    display_status,
    get_invoice_or_404,
    is_overdue,
    open_deposits,
    tax_rate_list,
    today_in,
)

PagePanel = Callable[[Any, Invoice], dict[str, Any]]
_panels: list[PagePanel] = []


def invoice_page_panel(panel: PagePanel) -> PagePanel:
    """Register `panel(actor, invoice) -> template values` for the invoice page."""
    _panels.append(panel)
    return panel


def show_url(invoice_id: int, anchor: str = "") -> str:
    url = url_for("invoices.show_invoice", agency_slug=g.actor.agency.slug, invoice_id=invoice_id)
    return url + (f"#{anchor}" if anchor else "")


def render_show(
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
        today=today_in(actor.agency.time_zone),
        **{key: value for panel in _panels for key, value in panel(actor, invoice).items()},
    ), status


def act(
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
        return render_show(
            invoice,
            errors={form: errors},
            values={form: form_values()},
            editing_line=editing_line,
            status=exc.status,
        )
    flash(message(result) if callable(message) else message, "success")
    target = result.id if isinstance(result, Invoice) else invoice_id
    return redirect(show_url(target, anchor))


def form_values() -> dict:
    """The submitted form to show again; `ids` keeps every ticked box, not just the first."""
    values: dict[str, Any] = request.form.to_dict()
    if "ids" in request.form:
        values["ids"] = request.form.getlist("ids")
    return values


def invoice_for(invoice_id: int, allowed: Callable[[Any, Invoice], bool]) -> Invoice:
    invoice = get_invoice_or_404(g.actor, invoice_id)
    _authorize(allowed(g.actor, invoice))
    return invoice
