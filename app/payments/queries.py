"""Read side of payments and refunds: only on invoices the viewer may see."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.core.permissions import Actor
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.queries import visible_invoices
from app.payments.models import Payment


def visible_payments(actor: Actor) -> sa.Select:
    """Payments on the invoices the actor may see (a client contact sees their own)."""
    return sa.select(Payment).where(
        Payment.invoice_id.in_(visible_invoices(actor).with_only_columns(Invoice.id))
    )


def get_payment_or_404(actor: Actor, payment_id: int) -> Payment:
    payment = db.session.scalar(visible_payments(actor).where(Payment.id == payment_id))
    if payment is None:
        raise NotFound()
    return payment


def invoice_payments(actor: Actor, invoice: Invoice) -> sa.Select:
    return (
        visible_payments(actor)
        .where(Payment.invoice_id == invoice.id)
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
    )
