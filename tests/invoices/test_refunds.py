"""Refunds: money returned to a client whom a credit note left in credit on a paid invoice.
At most that credit; refused (naming the field, nothing written) otherwise; the balance and
status follow; a payment a refund depends on can't be removed first; on the page and in the
API, listed with the payments."""

from __future__ import annotations

import pytest

from app.core.errors import Conflict, ValidationFailed
from app.invoices.credit_notes import create_credit_note
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.payments.services import (
    delete_payment,
    record_payment,
    record_refund,
    refundable_minor,
)
from tests.clients.support import api, web
from tests.invoices.support import fresh, issued


def _paid_then_credited(owner, client, credit_minor: int | None = None) -> Invoice:
    """A 1,000.00 invoice paid in full, then credited in full or by `credit_minor`."""
    invoice = issued(owner, client, ("Design sprint", 1, 100_000))
    record_payment(owner, invoice, {"amount_minor": 100_000})
    body = {"mode": "full", "reason": "Project cancelled"}
    if credit_minor is not None:
        body = {"mode": "partial", "amount_minor": credit_minor, "reason": "Late delivery"}
    create_credit_note(owner, invoice, body)
    return invoice


def test_a_refund_returns_the_credit_and_the_balance_comes_back_to_zero(team, owner):
    invoice = _paid_then_credited(owner, team.client, credit_minor=30_000)
    assert invoice.balance_minor == -30_000 and refundable_minor(invoice) == 30_000
    first = record_refund(owner, invoice, {"amount_minor": 10_000, "method": "wise"})
    assert (first.kind, first.amount_minor, first.signed_minor) == ("refund", 10_000, -10_000)
    assert invoice.paid_minor == 90_000 and invoice.balance_minor == -20_000
    record_refund(owner, invoice, {"amount_minor": 20_000})
    assert invoice.balance_minor == 0 and invoice.status == "paid"
    assert refundable_minor(invoice) == 0


def test_refused_without_credit_or_above_it_and_nothing_written(team, owner):
    unpaid = issued(owner, team.client, ("Work", 1, 5_000))
    with pytest.raises(ValidationFailed) as exc:
        record_refund(owner, unpaid, {"amount_minor": 100})
    assert "no credit on" in exc.value.errors["amount_minor"][0]
    invoice = _paid_then_credited(owner, team.client, credit_minor=30_000)
    with pytest.raises(ValidationFailed) as exc:
        record_refund(owner, invoice, {"amount_minor": 30_001})
    assert "More than the client's credit of $300.00" in exc.value.errors["amount_minor"][0]
    with pytest.raises(ValidationFailed) as exc:
        record_refund(owner, invoice, {"amount_minor": 0})
    assert exc.value.errors == {"amount_minor": ["Must be more than zero."]}
    assert invoice.paid_minor == 100_000
    assert [p.kind for p in invoice_payments(invoice)] == ["payment"]


def invoice_payments(invoice: Invoice) -> list[Payment]:
    import sqlalchemy as sa

    from app.extensions import db

    return list(db.session.scalars(sa.select(Payment).where(Payment.invoice_id == invoice.id)))


def test_the_payment_a_refund_returns_cant_be_removed_before_the_refund(team, owner):
    invoice = _paid_then_credited(owner, team.client)
    (payment,) = invoice_payments(invoice)
    refund = record_refund(owner, invoice, {"amount_minor": 100_000})
    with pytest.raises(Conflict, match="remove the refund first"):
        delete_payment(owner, payment)
    delete_payment(owner, refund)
    assert invoice.balance_minor == -100_000
    delete_payment(owner, payment)
    assert invoice.paid_minor == 0


def test_on_the_invoice_page(app, team, owner):
    invoice = _paid_then_credited(owner, team.client, credit_minor=25_000)
    browser = web(app, team.owner)
    page = browser.get(f"/{team.slug}/invoices/{invoice.id}").get_data(as_text=True)
    assert 'data-testid="refund-form"' in page and "$250.00 in credit" in page
    assert "Client's credit" in page and "data-credit" in page
    resp = browser.post(f"/{team.slug}/invoices/{invoice.id}/refunds",
                        data={"amount": "999", "method": "bank_transfer"})  # fmt: skip
    assert resp.status_code == 422
    assert "More than the client&#39;s credit" in resp.get_data(as_text=True)
    resp = browser.post(f"/{team.slug}/invoices/{invoice.id}/refunds",
                        data={"amount": "250.00", "method": "bank_transfer"})  # fmt: skip
    assert resp.status_code == 302
    page = browser.get(f"/{team.slug}/invoices/{invoice.id}").get_data(as_text=True)
    assert 'data-kind="refund"' in page and 'data-testid="refund-form"' not in page
    assert fresh(Invoice, invoice.id).balance_minor == 0


def test_through_the_api_and_only_for_owners_and_managers(app, team, owner):
    invoice = _paid_then_credited(owner, team.client)
    url = f"/invoices/{invoice.id}/refunds"
    for member in (team.va, team.qa, team.contact):
        assert api(app, member).post(url, json={"amount_minor": 1}).status_code == 403
    resp = api(app, team.manager).post(url, json={"amount_minor": 100_001})
    assert resp.status_code == 422 and "amount_minor" in resp.json["errors"]
    resp = api(app, team.manager).post(url, json={"amount": "1000.00", "reference": "R-1"})
    assert resp.status_code == 201, resp.json
    assert resp.json["kind"] == "refund" and resp.json["amount_minor"] == 100_000
    listed = api(app, team.owner).get(f"/invoices/{invoice.id}/payments").json["items"]
    assert sorted(p["kind"] for p in listed) == ["payment", "refund"]
