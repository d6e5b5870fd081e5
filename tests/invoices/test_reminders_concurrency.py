"""Reminders under concurrency, on committed data and real PostgreSQL connections: a payment
committing while the sweep waits for the invoice's row lock, two sweeps at once, and the
unique (invoice, step) key when two senders get past every check together."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice
from app.reminders import sweep as reminder_sweep
from app.reminders.models import ReminderSend
from app.reminders.services import ensure_ladder
from app.reminders.sweep import remind_invoice, run_reminder_sweep
from app.users.models import Membership
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    ContactFactory,
    InvoiceFactory,
    MembershipFactory,
)
from tests.helpers import committed_data

pytestmark = pytest.mark.no_db

DUE = dt.date(2026, 11, 16)
STEP_0 = dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC)  # 09:00 in New York on the due date


@pytest.fixture
def committed(app):
    """An app context whose data is committed for real; every table is emptied after."""
    with committed_data(app) as real:
        yield real


def make_invoices(n: int, agency=None) -> tuple[int, list[int]]:
    agency = agency or AgencyFactory()
    MembershipFactory(agency=agency, role="owner")
    ids = []
    for i in range(n):
        client = ClientFactory(agency=agency, time_zone="America/New_York")
        ContactFactory(client=client, email=f"ap{i}@client{agency.id}.test", is_billing=True)
        invoice = InvoiceFactory(
            client=client,
            number=f"INV-{agency.id}-{i:05d}",
            issue_date=DUE - dt.timedelta(days=15),
            due_date=DUE,
            issued_at=dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC),
        )
        ids.append(invoice.id)
    with tenant(agency.id):
        ensure_ladder()
    db.session.commit()
    return agency.id, ids


def reminder_emails() -> list[OutboundEmail]:
    db.session.expire_all()
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail).where(OutboundEmail.idempotency_key.like("reminder:%"))
            )
        )


def sent_records() -> list[tuple[int, int]]:
    db.session.expire_all()
    with all_tenants():
        return db.session.execute(
            sa.select(ReminderSend.invoice_id, ReminderSend.step_id).where(
                ReminderSend.status == "sent"
            )
        ).all()


def waiting_on_a_lock() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


def in_thread(app, fn, results: list, *args) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            try:
                results.append(fn(*args))
            except Exception as exc:  # noqa: BLE001 - reported by the test
                results.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_payment_committing_while_the_sweep_waits_for_the_lock_stops_the_reminder(committed):
    from app.payments.services import record_payment

    agency_id, (invoice_id,) = make_invoices(1)
    results: list = []
    with tenant(agency_id):
        # The payment takes the invoice's row lock first (record_payment locks FOR UPDATE) ...
        owner = db.session.scalar(sa.select(Membership).where(Membership.role == "owner"))
        actor = Actor(user=owner.user, agency=owner.agency, membership=owner)
        invoice = db.session.get(Invoice, invoice_id)
        record_payment(actor, invoice, {"amount_minor": 100000, "method": "bank_transfer",
                                        "paid_on": DUE})  # fmt: skip
        assert invoice.status == "paid"
        # ... the sweep starts meanwhile: its query still sees the committed, unpaid invoice
        # and waits on the row lock ...
        sweeper = in_thread(committed, run_reminder_sweep, results, STEP_0)
        deadline = time.monotonic() + 20
        try:
            while not waiting_on_a_lock():
                assert time.monotonic() < deadline, "the sweep never waited for the row lock"
                assert sweeper.is_alive(), f"the sweep finished without waiting: {results}"
                time.sleep(0.02)
        finally:
            # ... until the payment commits.
            db.session.commit()
    sweeper.join(30)
    assert not sweeper.is_alive()
    (outcome,) = results
    assert not isinstance(outcome, Exception), outcome
    assert outcome.get("blocked") == 1 and "sent" not in outcome
    assert reminder_emails() == []
    assert sent_records() == []


def test_without_the_payment_the_same_sweep_sends_it(committed):
    """The control for the race above: same data, no payment, one reminder."""
    make_invoices(1)
    assert run_reminder_sweep(STEP_0)["sent"] == 1
    assert len(reminder_emails()) == 1


def test_two_sweeps_at_once_send_each_reminder_once(committed):
    _, first = make_invoices(15)
    _, second = make_invoices(15)
    results: list = []
    barrier = threading.Barrier(2)

    def sweep() -> dict:
        barrier.wait()
        return run_reminder_sweep(STEP_0)

    threads = [in_thread(committed, sweep, results) for _ in range(2)]
    for t in threads:
        t.join(60)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.get("sent", 0) for r in results) == 30
    emails = reminder_emails()
    assert len(emails) == 30
    assert len({e.idempotency_key for e in emails}) == 30
    assert len({e.to_addr for e in emails}) == 30
    records = sent_records()
    assert len(records) == len(set(records)) == 30
    assert {i for i, _ in records} == set(first) | set(second)


def test_the_unique_key_refuses_a_second_sender_that_got_past_every_check(committed, monkeypatch):
    """Take the row lock away: both senders read "not sent yet" and both try to record the
    step. The insert comes first and the (invoice, step) key lets only one through."""
    agency_id, (invoice_id,) = make_invoices(1)
    monkeypatch.setattr(
        reminder_sweep,
        "lock_invoice_for_reminder",
        lambda invoice_id: db.session.scalar(
            sa.select(Invoice)
            .where(Invoice.id == invoice_id)
            .execution_options(populate_existing=True)
        ),
    )
    barrier = threading.Barrier(2)
    real_recipients = reminder_sweep.reminder_recipients

    def recipients_after_both_checked(client):
        barrier.wait(10)  # both have decided to send before either records it
        return real_recipients(client)

    monkeypatch.setattr(reminder_sweep, "reminder_recipients", recipients_after_both_checked)
    results: list = []

    def send() -> str:
        with tenant(agency_id):
            outcome = remind_invoice(invoice_id, STEP_0)
            db.session.commit()
            return outcome

    threads = [in_thread(committed, send, results) for _ in range(2)]
    for t in threads:
        t.join(30)
    assert sorted(results) == ["duplicate", "sent"], results
    assert len(reminder_emails()) == 1
    assert len(sent_records()) == 1
