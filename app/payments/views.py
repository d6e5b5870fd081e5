"""HTML routes of payments, refunds and deposits on the invoice page, and the receivables page.
Payment forms live on the invoice page, so a refused one re-renders it (app.invoices.pages).
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    g,
    render_template,
)
from flask.typing import ResponseReturnValue

from app.core.idempotency import once_per_form
from app.core.money import from_minor
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices import policy
from app.invoices.blueprint import bp
from app.invoices.models import Invoice
from app.invoices.pages import act, invoice_for, invoice_page_panel
from app.invoices.queries import get_invoice_or_404
from app.invoices.schemas import EmptyIn
from app.payments.deposits import deduct_deposit
from app.payments.models import PAYMENT_METHODS
from app.payments.queries import get_payment_or_404, invoice_payments
from app.payments.receivables import BUCKETS, bucket_label, receivables
from app.payments.schemas import DeductDepositIn, PaymentIn
from app.payments.services import (
    delete_payment,
    record_payment,
    record_refund,
    refundable_minor,
)


@invoice_page_panel
def _payments_panel(actor: Any, invoice: Invoice) -> dict[str, Any]:
    """The invoice page's payments: the list, what may be refunded, the methods."""
    return {
        "payments": list(db.session.scalars(invoice_payments(actor, invoice))),
        "can_delete_payment": actor.role == "owner",
        "refundable": refundable_minor(invoice),
        "methods": PAYMENT_METHODS,
    }


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/deposit")
@roles(*MANAGERS)
def deduct_invoice_deposit(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_edit_invoice)
    return act(
        invoice,
        "deposit",
        DeductDepositIn(),
        lambda d: deduct_deposit(g.actor, invoice, d),
        _("Deposit deducted."),
        "lines",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/payments")
@roles(*MANAGERS)
@once_per_form
def add_payment(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_record_payment)
    return act(
        invoice,
        "payment",
        PaymentIn(),
        lambda d: record_payment(g.actor, invoice, d),
        _("Payment recorded."),
        "payments",
    )


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/refunds")
@roles(*MANAGERS)
@once_per_form
def add_refund(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    invoice = invoice_for(invoice_id, policy.can_record_payment)
    return act(
        invoice,
        "refund",
        PaymentIn(),
        lambda d: record_refund(g.actor, invoice, d),
        _("Refund recorded."),
        "payments",
    )


@bp.post("/<agency_slug>/payments/<int:payment_id>/delete")
@roles("owner")
def remove_payment(agency_slug: str, payment_id: int) -> ResponseReturnValue:
    payment = get_payment_or_404(g.actor, payment_id)
    _authorize(policy.can_delete_payment(g.actor, payment))
    invoice = get_invoice_or_404(g.actor, payment.invoice_id)
    return act(
        invoice,
        "payments",
        EmptyIn(),
        lambda d: delete_payment(g.actor, payment),
        _("Payment removed; the balance is updated."),
        "payments",
    )


@bp.get("/<agency_slug>/receivables", endpoint="receivables")
@roles(*MANAGERS)
def receivables_page(agency_slug: str) -> ResponseReturnValue:
    """Outstanding and overdue per client, in each currency and in the base currency."""
    _authorize(policy.can_see_receivables(g.actor))
    data = receivables(g.actor)
    base = data.base_currency
    chart = {
        "labels": json.dumps([month for month, _amount in data.by_month]),
        "amounts": json.dumps([float(from_minor(v, base)) for _month, v in data.by_month]),
    }
    return render_template(
        "invoices/receivables.html",
        data=data,
        buckets=BUCKETS,
        bucket_label=bucket_label,
        chart=chart,
    )
