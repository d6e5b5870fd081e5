"""Deposits: a deposit invoice for the client's deposit % of an amount (e.g. 50 % upfront),
and its deduction, once paid, on the final invoice as reversed lines (so taxes net out)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.audit.services import record, snapshot
from app.clients.models import Client
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.lines import (
    DOES_NOT_EXIST,
    apply_tax,
    copy_line,
    lock_invoice,
    money_of,
    next_position,
    read_amount,
    refresh_totals,
    require_draft,
    resolve_tax_rate,
)
from app.invoices.models import Invoice, InvoiceLine
from app.invoices.queries import open_deposits
from app.invoices.services import INVOICE_FIELDS, new_draft


def create_deposit_invoice(actor: Actor, client: Client, data: dict) -> Invoice:
    """A draft deposit invoice for the client's deposit % of `amount` (e.g. 50 % upfront)."""
    errors: dict = {}
    currency = data.get("currency") or client.currency
    amount = read_amount(data, "amount", currency, errors)
    rate = resolve_tax_rate(data.get("tax_rate_id"), errors)
    if amount is not None and amount <= 0:
        errors["amount_minor" if data.get("amount_minor") is not None else "amount"] = [
            _("Must be more than zero.")
        ]
    if errors:
        raise ValidationFailed(errors)
    if client.archived_at is not None:
        raise Conflict(_("%(client)s is archived; restore the client first.", client=client.name))
    percent = client.deposit_percent or 0
    if percent <= 0:
        raise Conflict(
            _(
                "%(client)s has no deposit percentage; set one on the client first.",
                client=client.name,
            )
        )
    deposit = int((Decimal(amount) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))
    invoice = new_draft(client, currency=currency, is_deposit=True, created_by_id=actor.user_id)
    line = InvoiceLine(
        position=1,
        kind="deposit",
        description=f"Deposit ({percent} %) for {data['description']}, "
        f"{money_of(invoice, amount)} in all",
        quantity=Decimal(1),
        unit_price_minor=deposit,
        discount_percent=Decimal(0),
    )
    apply_tax(line, rate)
    invoice.lines.append(line)
    refresh_totals(invoice)
    db.session.flush()
    record(
        actor,
        "invoice.created",
        invoice,
        summary=f"Deposit invoice ({percent} %) for {client.name} created",
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice


def deduct_deposit(actor: Actor, invoice: Invoice, data: dict) -> Invoice:
    """On a final invoice (draft), deduct a paid deposit of the same client: its lines,
    reversed, so taxes net out exactly. A deposit is deducted once."""
    deposit = db.session.scalar(
        sa.select(Invoice).where(Invoice.id == data.get("deposit_invoice_id"))
    )
    if deposit is None:
        raise ValidationFailed({"deposit_invoice_id": [DOES_NOT_EXIST]})
    lock_invoice(invoice)
    require_draft(invoice)
    if invoice.is_deposit:
        raise Conflict(_("A deposit invoice can't deduct another deposit."))
    if invoice.deposit_invoice_id is not None:
        raise Conflict(_("This draft already deducts a deposit."))
    available = {d.id for d in open_deposits(invoice.client_id, invoice.currency)}
    if deposit.id not in available:
        raise ValidationFailed(
            {
                "deposit_invoice_id": [
                    _("Not a paid deposit of this client in this currency that is still to deduct.")
                ]
            }
        )
    position = next_position(invoice)
    for n, line in enumerate(deposit.lines):
        invoice.lines.append(
            copy_line(
                line,
                sign=-1,
                position=position + n,
                kind="deposit_deduction",
                description=f"Less deposit paid ({deposit.number})",
            )
        )
    invoice.deposit_invoice_id = deposit.id
    refresh_totals(invoice)
    db.session.flush()
    record(
        actor,
        "invoice.deposit_deducted",
        invoice,
        summary=f"Deposit {deposit.number} ({money_of(deposit, deposit.total_minor)}) deducted",
        after={"deposit_invoice_id": deposit.id},
    )
    return invoice
