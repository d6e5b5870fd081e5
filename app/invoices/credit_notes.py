"""Credit notes: a whole or partial correction of an issued invoice, numbered in their own
series and issued at once (issued invoices are immutable).
"""

from __future__ import annotations

from decimal import Decimal

from app.audit.services import record, snapshot
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.lines import (
    apply_tax,
    copy_line,
    lock_invoice,
    money_of,
    read_amount,
    refresh_totals,
    resolve_tax_rate,
    settle,
    shown_label,
)
from app.invoices.models import Invoice, InvoiceLine
from app.invoices.services import INVOICE_FIELDS, enqueue_send, stamp_issued


def create_credit_note(actor: Actor, invoice: Invoice, data: dict) -> Invoice:
    """Issue a credit note against an issued invoice: `mode` full (every line reversed) or
    partial (one line of `amount`, optionally taxed). The invoice's balance drops by it."""
    errors: dict = {}
    mode = data.get("mode") or "full"
    reason = data.get("reason") or None
    rate = resolve_tax_rate(data.get("tax_rate_id"), errors)
    amount = read_amount(data, "amount", invoice.currency, errors, required=mode == "partial")
    if amount is not None and amount <= 0:
        errors["amount_minor" if data.get("amount_minor") is not None else "amount"] = [
            _("Must be more than zero.")
        ]
    if errors:
        raise ValidationFailed(errors)
    lock_invoice(invoice)
    if invoice.kind != "invoice":
        raise Conflict(_("Credit notes correct invoices, not other credit notes."))
    if invoice.status in ("draft", "void"):
        raise Conflict(
            _("A draft can simply be edited.")
            if invoice.status == "draft"
            else _("%(invoice)s is void; there is nothing to credit.", invoice=shown_label(invoice))
        )
    creditable = invoice.total_minor - invoice.credited_minor
    if mode == "full" and invoice.credited_minor:
        raise Conflict(
            _(
                "%(invoice)s is already partly credited; credit the remaining %(amount)s with a "
                "partial credit note.",
                invoice=shown_label(invoice),
                amount=money_of(invoice, creditable),
            )
        )
    note = Invoice(
        client_id=invoice.client_id,
        kind="credit_note",
        status="draft",
        currency=invoice.currency,
        locale=invoice.locale,
        client_time_zone=invoice.client_time_zone,
        rounding=invoice.rounding,
        net_days=0,
        credited_invoice_id=invoice.id,
        notes=reason,
        period_label=invoice.period_label,
        created_by_id=actor.user_id,
        paid_minor=0,
        credited_minor=0,
        rate_to_base=invoice.rate_to_base,
    )
    if mode == "full":
        for n, line in enumerate(invoice.lines, start=1):
            note.lines.append(copy_line(line, sign=-1, position=n))
    else:
        line = InvoiceLine(
            position=1,
            kind="manual",
            description=f"Credit on {invoice.number}" + (f": {reason}" if reason else ""),
            quantity=Decimal(-1),
            unit_price_minor=amount,
            discount_percent=Decimal(0),
        )
        apply_tax(line, rate)
        note.lines.append(line)
    refresh_totals(note)
    if -note.total_minor > creditable:
        field = "amount_minor" if data.get("amount_minor") is not None else "amount"
        raise ValidationFailed(
            {
                field: [
                    _(
                        "More than can be credited on %(invoice)s (%(amount)s).",
                        invoice=shown_label(invoice),
                        amount=money_of(invoice, creditable),
                    )
                ]
            }
        )
    db.session.add(note)
    now = utcnow()
    stamp_issued(actor, note, now)
    note.due_date = note.issue_date
    before = {"status": invoice.status, "credited_minor": invoice.credited_minor}
    invoice.credited_minor += -note.total_minor
    settle(invoice, now)
    db.session.flush()
    record(
        actor,
        "credit_note.issued",
        note,
        summary=f"{note.number} issued for {money_of(note, note.total_minor)} "
        f"against {invoice.number}",
        after=snapshot(note, INVOICE_FIELDS),
    )
    record(
        actor,
        "invoice.credited",
        invoice,
        summary=f"{invoice.number} credited by {note.number}",
        before=before,
        after={"status": invoice.status, "credited_minor": invoice.credited_minor},
    )
    enqueue_send(note, "issue")
    return note
