"""The invoice lifecycle: draft -> issued (number, dates in the client's zone, the PDF job in
the outbox) -> sent -> partially paid -> paid; overdue derived; void keeps its number;
credit notes correct issued invoices; payments refused when they can't be right."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.errors import Conflict, ValidationFailed
from app.core.jobs import OutboxJob
from app.extensions import db
from app.invoices.credit_notes import create_credit_note
from app.invoices.models import Invoice
from app.invoices.queries import display_status, is_overdue
from app.invoices.services import (
    delete_invoice,
    issue_invoice,
    mark_sent,
    send_invoice,
    void_invoice,
)
from app.payments.models import Payment
from app.payments.services import delete_payment, record_payment
from tests.factories import ClientFactory
from tests.invoices.support import draft, fresh, issued, tax_rate


def _jobs(invoice_id: int) -> list[OutboxJob]:
    return [
        j
        for j in db.session.scalars(sa.select(OutboxJob).order_by(OutboxJob.id))
        if (j.kwargs or {}).get("invoice_id") == invoice_id
    ]


def _actions(entity_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity_type == "invoices", AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )


def test_a_draft_has_no_number_until_it_is_issued(team, owner, time_machine):
    client = ClientFactory(agency=team.agency, time_zone="America/Los_Angeles", net_days=30)
    invoice = draft(owner, client, ("Bookkeeping", 3, 4000))
    assert (invoice.number, invoice.status, invoice.issue_date) == (None, "draft", None)
    assert invoice.net_days == 30 and invoice.currency == client.currency
    assert invoice.client_time_zone == "America/Los_Angeles"

    # 05:00 UTC on 1 March is still 28 February in Los Angeles: dates are the client's.
    time_machine.move_to(dt.datetime(2026, 3, 1, 5, tzinfo=dt.UTC), tick=False)
    issue_invoice(owner, invoice)
    assert invoice.number == "INV-2026-00001" and invoice.status == "issued"
    assert invoice.issue_date == dt.date(2026, 2, 28)
    assert invoice.due_date == dt.date(2026, 3, 30)
    assert invoice.total_minor == 12000 and invoice.balance_minor == 12000
    assert _actions(invoice.id) == ["invoice.created", "invoice.line_added", "invoice.issued"]


def test_issuing_enqueues_rendering_and_sending_on_the_pdf_queue(team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    [job] = _jobs(invoice.id)
    assert job.func == "app.documents.services.render_and_send"
    assert job.queue == "pdf" and job.agency_id == team.agency.id
    assert job.kwargs == {"invoice_id": invoice.id, "send": True}
    assert job.label == f"Render and send {invoice.number}"
    assert job.dedupe_key == f"invoice-send:{invoice.id}:issue"
    send_invoice(owner, invoice)
    first, again = _jobs(invoice.id)
    assert again.func == first.func and again.kwargs == first.kwargs
    assert again.dedupe_key != first.dedupe_key


def test_issuing_twice_or_an_empty_draft_is_refused(team, owner):
    empty = draft(owner, team.client)
    with pytest.raises(Conflict, match="Add at least one line"):
        issue_invoice(owner, empty)
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    with pytest.raises(Conflict, match=f"{invoice.number} is already issued"):
        issue_invoice(owner, invoice)


def test_sent_partially_paid_paid(team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 10000))
    mark_sent(invoice.id)
    assert invoice.status == "sent" and invoice.sent_at is not None
    record_payment(owner, invoice, {"amount_minor": 2500, "method": "wise"})
    assert (invoice.status, invoice.paid_minor, invoice.balance_minor) == (
        "partially_paid",
        2500,
        7500,
    )
    last = record_payment(owner, invoice, {"amount": Decimal("75.00"), "reference": "TX-9"})
    assert invoice.status == "paid" and invoice.balance_minor == 0 and invoice.paid_at
    assert last.amount_minor == 7500 and last.reference == "TX-9"
    sent_at = invoice.sent_at
    mark_sent(invoice.id)  # the PDF job again (send again): paid stays paid
    assert invoice.status == "paid" and invoice.sent_at == sent_at
    assert _actions(invoice.id)[-3:] == ["invoice.sent", "payment.recorded", "payment.recorded"]

    delete_payment(owner, last)
    assert (invoice.status, invoice.paid_minor, invoice.paid_at) == ("partially_paid", 2500, None)
    first = db.session.scalar(sa.select(Payment).where(Payment.invoice_id == invoice.id))
    delete_payment(owner, first)
    assert invoice.status == "sent" and invoice.paid_minor == 0
    assert _actions(invoice.id)[-2:] == ["payment.deleted", "payment.deleted"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount_minor": 10001}, "amount_minor", "More than the balance of $100.00"),
        ({"amount": Decimal("100.01")}, "amount", "More than the balance"),
        ({"amount_minor": 0}, "amount_minor", "Must be more than zero."),
        ({"amount": Decimal("1.005")}, "amount", "USD amounts have 2 decimals."),
        ({}, "amount", "Enter an amount."),
        ({"amount": Decimal(1), "amount_minor": 100}, "amount", "not both"),
        ({"amount_minor": 100, "paid_on": dt.date.today() + dt.timedelta(days=5)}, "paid_on", ""),
        ({"amount_minor": 100, "rate_to_base": Decimal("1.2")}, "rate_to_base", "base currency"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(team, owner, data, field, message):
    invoice = issued(owner, team.client, ("Work", 1, 10000))
    with pytest.raises(ValidationFailed) as exc:
        record_payment(owner, invoice, data)
    assert message in " ".join(exc.value.errors[field])
    assert invoice.paid_minor == 0


def test_no_payment_on_a_draft_a_void_invoice_or_a_paid_one(team, owner):
    unissued = draft(owner, team.client, ("Work", 1, 100))
    with pytest.raises(ValidationFailed) as exc:
        record_payment(owner, unissued, {"amount_minor": 100})
    assert "issue it before" in exc.value.errors["amount_minor"][0]
    voided = issued(owner, team.client, ("Work", 1, 100))
    void_invoice(owner, voided, {"reason": "Wrong client"})
    with pytest.raises(ValidationFailed) as exc:
        record_payment(owner, voided, {"amount": Decimal(1)})
    assert exc.value.errors == {
        "amount": [f"{voided.number} is void; no payments can be recorded on it."]
    }
    paid = issued(owner, team.client, ("Work", 1, 100))
    record_payment(owner, paid, {"amount_minor": 100})
    with pytest.raises(ValidationFailed, match="Some fields") as exc:
        record_payment(owner, paid, {"amount_minor": 1})
    assert "already paid in full" in exc.value.errors["amount_minor"][0]


def test_overdue_is_derived_from_the_due_date_in_the_clients_zone(team, owner, monkeypatch):
    client = ClientFactory(agency=team.agency, time_zone="Pacific/Kiritimati", net_days=0)
    invoice = issued(owner, client, ("Work", 1, 100))
    due = invoice.due_date
    # Kiritimati is UTC+14: the day after the due date starts there at 10:00 UTC the day before.
    day_after = dt.datetime.combine(due, dt.time(10, 0), dt.UTC)
    just_before = day_after - dt.timedelta(minutes=1)
    assert not is_overdue(invoice, just_before)
    assert is_overdue(invoice, day_after) and display_status(invoice, day_after) == "overdue"
    assert invoice.status == "issued"  # stored status unchanged: overdue is derived
    record_payment(owner, invoice, {"amount_minor": 100})
    assert not is_overdue(invoice, day_after)


def test_void_keeps_the_number_and_is_final(team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 100))
    number = invoice.number
    void_invoice(owner, invoice, {"reason": "Duplicate"})
    assert (invoice.status, invoice.number) == ("void", number) and invoice.voided_at
    with pytest.raises(Conflict, match="already void"):
        void_invoice(owner, invoice)
    with pytest.raises(Conflict, match=f"{number} is void and can't be edited"):
        from app.invoices.lines import add_line

        add_line(owner, invoice, {"description": "x", "unit_price_minor": 1})
    assert issued(owner, team.client, ("Work", 1, 100)).number != number


def test_void_is_refused_with_payments_and_drafts_are_deleted_instead(team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 1000))
    record_payment(owner, invoice, {"amount_minor": 10})
    with pytest.raises(Conflict, match=r"has payments of \$0.10; delete them first"):
        void_invoice(owner, invoice)
    unissued = draft(owner, team.client, ("Work", 1, 1000))
    with pytest.raises(Conflict, match="delete it instead"):
        void_invoice(owner, unissued)
    with pytest.raises(Conflict, match="can't be deleted; void it instead"):
        delete_invoice(owner, invoice)
    delete_invoice(owner, unissued)
    assert fresh(Invoice, unissued.id) is None


def test_full_credit_note_reverses_every_line_in_its_own_series(team, owner):
    vat = tax_rate(owner, "19")
    invoice = issued(owner, team.client, ("Design", 3, 3333, vat, "7.5"), ("Hosting", 1, 999))
    record_payment(owner, invoice, {"amount_minor": 1000})
    note = create_credit_note(owner, invoice, {"mode": "full", "reason": "Project cancelled"})
    assert note.kind == "credit_note" and note.number.startswith("CN-")
    assert note.credited_invoice_id == invoice.id and note.status == "issued"
    assert [line.quantity for line in note.lines] == [Decimal(-3), Decimal(-1)]
    assert (note.subtotal_minor, note.tax_minor, note.total_minor) == (
        -invoice.subtotal_minor,
        -invoice.tax_minor,
        -invoice.total_minor,
    )
    assert invoice.credited_minor == invoice.total_minor
    assert invoice.balance_minor == -1000  # paid 10.00 on a fully credited invoice: owed back
    assert invoice.status == "paid"
    assert [j.kwargs["invoice_id"] for j in _jobs(note.id)] == [note.id]
    with pytest.raises(Conflict, match="already partly credited"):
        create_credit_note(owner, invoice, {"mode": "full"})


def test_partial_credit_notes_reduce_the_balance_up_to_the_total(team, owner):
    vat = tax_rate(owner, "20")
    invoice = issued(owner, team.client, ("Work", 1, 10000, vat))  # 120.00
    note = create_credit_note(
        owner,
        invoice,
        {"mode": "partial", "amount": Decimal("25"), "tax_rate_id": vat.id, "reason": "Late"},
    )
    assert note.total_minor == -3000 and note.lines[0].description == (
        f"Credit on {invoice.number}: Late"
    )
    assert (invoice.credited_minor, invoice.balance_minor, invoice.status) == (3000, 9000, "issued")
    with pytest.raises(ValidationFailed) as exc:
        create_credit_note(
            owner, invoice, {"mode": "partial", "amount_minor": 7501, "tax_rate_id": vat.id}
        )
    assert "More than can be credited" in exc.value.errors["amount_minor"][0]
    create_credit_note(
        owner, invoice, {"mode": "partial", "amount_minor": 7500, "tax_rate_id": vat.id}
    )
    assert invoice.balance_minor == 0 and invoice.status == "paid"
    with pytest.raises(ValidationFailed) as exc:
        record_payment(owner, invoice, {"amount_minor": 1})
    assert "already paid in full" in exc.value.errors["amount_minor"][0]


def test_credit_notes_are_final_and_only_for_issued_invoices(team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 1000))
    note = create_credit_note(owner, invoice, {"mode": "partial", "amount_minor": 100})
    with pytest.raises(Conflict, match="credit notes are final"):
        void_invoice(owner, note)
    with pytest.raises(Conflict, match="not other credit notes"):
        create_credit_note(owner, note, {"mode": "full"})
    with pytest.raises(ValidationFailed) as exc:
        record_payment(owner, note, {"amount_minor": 1})
    assert "not on credit notes" in exc.value.errors["amount_minor"][0]
    with pytest.raises(Conflict, match="simply be edited"):
        create_credit_note(owner, draft(owner, team.client, ("W", 1, 5)), {"mode": "full"})
    with pytest.raises(ValidationFailed) as exc:
        create_credit_note(owner, invoice, {"mode": "partial"})
    assert exc.value.errors == {"amount": ["Enter an amount."]}


def test_a_zero_invoice_is_settled_at_once(team, owner):
    invoice = issued(owner, team.client, ("Goodwill", 1, 0))
    assert invoice.status == "paid" and invoice.balance_minor == 0
