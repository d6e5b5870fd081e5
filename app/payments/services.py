"""Payments: record full or partial payments, refunds, delete a wrong one; status follows
the balance. A refund is money returned to a client whom a credit note left in credit (the
balance below zero): at most that credit, and the balance comes back toward zero.

Both lock the invoice row first (SELECT ... FOR UPDATE), the same lock the reminder sweep
takes before it sends, so a reminder never goes out for an invoice a committed payment has
just settled, and two payments at once cannot overpay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from app.audit.services import record, snapshot
from app.core.clock import today_in
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.lines import label, lock_invoice, money_of, read_amount, settle, shown_label
from app.invoices.models import Invoice
from app.payments.models import Payment

PAYMENT_FIELDS = (
    "invoice_id", "kind", "paid_on", "method", "reference", "amount_minor", "rate_to_base",
)  # fmt: skip


def _refusal(invoice: Invoice) -> str | None:
    if invoice.kind != "invoice":
        return _("Payments are recorded on invoices, not on credit notes.")
    if invoice.status == "draft":
        return _("This is a draft; issue it before recording payments.")
    if invoice.status == "void":
        return _(
            "%(invoice)s is void; no payments can be recorded on it.", invoice=shown_label(invoice)
        )
    if invoice.balance_minor <= 0:
        return _("%(invoice)s is already paid in full.", invoice=shown_label(invoice))
    return None


def _date_and_rate(actor: Actor, invoice: Invoice, data: dict, errors: dict) -> tuple:
    """The date (agency's today by default, never in the future) and the optional rate to
    the agency's base currency (none for an invoice in the base currency)."""
    paid_on = data.get("paid_on") or today_in(actor.agency.time_zone if actor.agency else None)
    latest = today_in(invoice.client_time_zone) + dt.timedelta(days=1)
    if paid_on > latest:
        errors["paid_on"] = [_("Must not be in the future.")]
    rate = data.get("rate_to_base")
    base = actor.agency.base_currency if actor.agency else invoice.currency
    if rate is not None and invoice.currency == base and Decimal(rate) != 1:
        errors["rate_to_base"] = [
            _("The invoice is in %(currency)s, your base currency: leave it empty.", currency=base)
        ]
    return paid_on, (rate if invoice.currency != base else None)


def _save(actor: Actor, invoice: Invoice, kind: str, amount: int, data: dict, on, rate) -> Payment:
    """Add the payment or refund, move the paid amount and status, audit it."""
    payment = Payment(
        invoice_id=invoice.id,
        kind=kind,
        paid_on=on,
        method=data.get("method") or "bank_transfer",
        reference=data.get("reference") or None,
        amount_minor=amount,
        rate_to_base=rate,
        created_by_id=actor.user_id,
    )
    db.session.add(payment)
    before = {"status": invoice.status, "paid_minor": invoice.paid_minor}
    invoice.paid_minor += payment.signed_minor
    settle(invoice)
    db.session.flush()
    noun = "Refund" if kind == "refund" else "Payment"
    record(
        actor,
        f"{kind}.recorded",
        invoice,
        summary=f"{noun} of {money_of(invoice, amount)} recorded on {label(invoice)}",
        before=before,
        after={
            **snapshot(payment, PAYMENT_FIELDS),
            "status": invoice.status,
            "paid_minor": invoice.paid_minor,
        },
    )
    return payment


def _move_money(
    actor: Actor,
    invoice: Invoice,
    data: dict,
    kind: str,
    refusal: Callable[[Invoice], str | None],
    limit: Callable[[Invoice], tuple[int, str]],
) -> Payment:
    """Read and check the amount (under the invoice's row lock) and the date and rate, then
    save: `refusal` says why nothing may be recorded at all, `limit` gives the most that may
    be and what to say above it. Errors name the amount field as it was sent."""
    errors: dict = {}
    field = "amount_minor" if data.get("amount_minor") is not None else "amount"
    amount = read_amount(data, "amount", invoice.currency, errors)
    lock_invoice(invoice)
    reason = refusal(invoice)
    if reason:
        errors[field] = [reason]
    elif amount is not None and amount <= 0:
        errors[field] = [_("Must be more than zero.")]
    elif amount is not None and amount > limit(invoice)[0]:
        errors[field] = [limit(invoice)[1]]
    day, rate = _date_and_rate(actor, invoice, data, errors)
    if errors:
        raise ValidationFailed(errors)
    return _save(actor, invoice, kind, amount, data, day, rate)


def record_payment(actor: Actor, invoice: Invoice, data: dict) -> Payment:
    """A full or partial payment in the invoice's currency, with an optional rate to the
    agency's base currency. Overpayments and payments on drafts, void invoices and credit
    notes are refused naming the amount field."""

    def balance(inv: Invoice) -> tuple[int, str]:
        owed = money_of(inv, inv.balance_minor)
        return inv.balance_minor, _(
            "More than the balance of %(amount)s on %(invoice)s; record at most that.",
            amount=owed,
            invoice=shown_label(inv),
        )

    return _move_money(actor, invoice, data, "payment", _refusal, balance)


def refundable_minor(invoice: Invoice) -> int:
    """The client's credit on the invoice (paid more than is now owed after credit notes)."""
    if invoice.kind != "invoice" or invoice.status in ("draft", "void"):
        return 0
    return max(0, min(-invoice.balance_minor, invoice.paid_minor))


def record_refund(actor: Actor, invoice: Invoice, data: dict) -> Payment:
    """Money returned to the client, at most their credit on the invoice; refused (naming
    the amount field) when there is no credit to return."""

    def no_credit(inv: Invoice) -> str | None:
        if refundable_minor(inv) > 0:
            return None
        return _(
            "The client has no credit on %(invoice)s to refund: a refund returns what a credit "
            "note left them in credit.",
            invoice=shown_label(inv),
        )

    def credit(inv: Invoice) -> tuple[int, str]:
        most = refundable_minor(inv)
        return most, _(
            "More than the client's credit of %(amount)s on %(invoice)s; refund at most that.",
            amount=money_of(inv, most),
            invoice=shown_label(inv),
        )

    return _move_money(actor, invoice, data, "refund", no_credit, credit)


def delete_payment(actor: Actor, payment: Payment) -> Invoice:
    """Remove a wrongly recorded payment; the balance and status follow (audited)."""
    invoice = db.session.get(Invoice, payment.invoice_id)
    lock_invoice(invoice)
    if invoice.paid_minor - payment.signed_minor < 0:
        raise Conflict(
            _("A refund on this invoice returns part of this payment: remove the refund first.")
        )
    before = {
        **snapshot(payment, PAYMENT_FIELDS),
        "status": invoice.status,
        "paid_minor": invoice.paid_minor,
    }
    invoice.paid_minor -= payment.signed_minor
    db.session.delete(payment)
    settle(invoice)
    db.session.flush()
    record(
        actor,
        "payment.deleted",
        invoice,
        summary=f"{'Refund' if payment.kind == 'refund' else 'Payment'} of "
        f"{money_of(invoice, payment.amount_minor)} removed from "
        f"{label(invoice)}",
        before=before,
        after={"status": invoice.status, "paid_minor": invoice.paid_minor},
    )
    return invoice
