"""JSON API of payments, refunds, deposits and receivables, on the invoices API blueprint (one
group in the API documents, as before the packages split).
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, loads, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import PageArgs
from app.core.uow import commit
from app.invoices import policy
from app.invoices.blueprint import blp, fresh
from app.invoices.models import Invoice
from app.invoices.queries import get_invoice_or_404
from app.invoices.schemas import InvoiceOut
from app.payments.deposit_gate import (
    deposit_hold,
    deposit_waiver,
    hold_sentence,
    waive_deposit,
    withdraw_deposit_waiver,
)
from app.payments.deposits import create_deposit_invoice, deduct_deposit
from app.payments.models import Payment
from app.payments.queries import get_payment_or_404, invoice_payments
from app.payments.receivables import receivables
from app.payments.schemas import (
    DeductDepositIn,
    DepositGateOut,
    DepositIn,
    DepositWaiverIn,
    PaymentIn,
    PaymentOut,
    PaymentPageOut,
    ReceivablesOut,
)
from app.payments.services import delete_payment, record_payment, record_refund


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
        return fresh(invoice)


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
    @idempotent
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


@blp.route("/invoices/<int:invoice_id>/refunds")
class InvoiceRefunds(MethodView):
    @roles(*MANAGERS)
    @idempotent
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(PaymentIn)
    @blp.response(201, PaymentOut)
    def post(self, data: dict, agency_slug: str, invoice: Invoice) -> Payment:
        """Record money returned to the client (`amount_minor` or `amount`; `paid_on` is the
        day it went out), at most the credit a credit note left them on this invoice (422
        naming the amount otherwise). Listed with the payments as `kind: refund`."""
        _authorize(policy.can_record_payment(g.actor, invoice))
        refund = record_refund(g.actor, invoice, data)
        commit()
        return refund


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
    @idempotent
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(DepositIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> Invoice:
        """Draft a deposit invoice for the client's deposit % of `amount_minor`."""
        _authorize(policy.can_manage_billing(g.actor, client))
        invoice = create_deposit_invoice(g.actor, client, data)
        commit()
        return fresh(invoice)


def _gate(client: Client) -> dict:
    hold = deposit_hold(client)
    waiver = deposit_waiver(client)
    return {
        "client_id": client.id,
        "held": hold is not None,
        "reason": hold_sentence(hold) if hold else None,
        "deposit_percent": client.deposit_percent or 0,
        "invoice_id": hold.invoice_id if hold else None,
        "invoice_number": hold.number if hold else None,
        "balance_minor": hold.balance_minor if hold else None,
        "currency": hold.currency if hold else None,
        "waived": waiver is not None,
        "waiver_reason": waiver.reason if waiver else None,
    }


@blp.route("/clients/<int:client_id>/deposit-gate")
class ClientDepositGate(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, DepositGateOut)
    def get(self, agency_slug: str, client: Client) -> dict:
        """Whether the client's work waits for its deposit (`held`), why, and any waiver."""
        _authorize(policy.can_manage_billing(g.actor, client))
        return _gate(client)


@blp.route("/clients/<int:client_id>/deposit-gate/waiver")
class ClientDepositWaiver(MethodView):
    @roles("owner")
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(DepositWaiverIn)
    @blp.response(200, DepositGateOut)
    def put(self, data: dict, agency_slug: str, client: Client) -> dict:
        """Owners: let the client's work start before its deposit is paid (reason audited;
        409 when already waived)."""
        _authorize(policy.can_waive_deposit(g.actor, client))
        waive_deposit(g.actor, client, data["reason"])
        commit()
        return _gate(client)

    @roles("owner")
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, DepositGateOut)
    def delete(self, agency_slug: str, client: Client) -> dict:
        """Owners: withdraw the waiver (409 when there is none)."""
        _authorize(policy.can_waive_deposit(g.actor, client))
        withdraw_deposit_waiver(g.actor, client)
        commit()
        return _gate(client)
