"""Payments take the invoice's row lock (the lock the reminder sweep takes before it sends):
on committed PostgreSQL data, two full payments at once settle the invoice once, and while
a payment's transaction is open nobody else can lock the invoice."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.payments.services import record_payment
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.invoices.support import issued


def _setup() -> tuple[int, int, int, int]:
    agency = AgencyFactory()
    client = ClientFactory(agency=agency)
    member = MembershipFactory(agency=agency, role="owner")
    with tenant(agency.id):
        actor = Actor(user=member.user, agency=agency, membership=member)
        invoice = issued(actor, client, ("Work", 1, 10000))
        db.session.commit()
        return agency.id, member.id, invoice.id, invoice.total_minor


def _pay(app, agency_id: int, member_id: int, invoice_id: int, amount: int, hold=None) -> str:
    from app.agencies.models import Agency
    from app.users.models import Membership

    with app.app_context(), tenant(agency_id):
        try:
            with all_tenants():
                member = db.session.get(Membership, member_id)
                user = member.user
            actor = Actor(user=user, agency=db.session.get(Agency, agency_id), membership=member)
            invoice = db.session.get(Invoice, invoice_id)
            record_payment(actor, invoice, {"amount_minor": amount})
            if hold is not None:
                hold()
            db.session.commit()
            return "paid"
        except ValidationFailed as exc:
            db.session.rollback()
            return " ".join(exc.errors["amount_minor"])
        finally:
            db.session.remove()


@pytest.mark.no_db
def test_two_full_payments_at_once_settle_the_invoice_once(committed):
    agency_id, member_id, invoice_id, total = _setup()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def work() -> None:
        start.wait(timeout=30)
        outcomes.append(_pay(committed, agency_id, member_id, invoice_id, total))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == sorted(["paid", f"INV-{_year()}-00001 is already paid in full."])
    with tenant(agency_id):
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.paid_minor, invoice.balance_minor) == ("paid", total, 0)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def _year() -> str:
    with all_tenants():
        number = db.session.scalar(sa.select(Invoice.number))
    return number.split("-")[1]


@pytest.mark.no_db
def test_an_open_payment_holds_the_invoice_lock(committed):
    agency_id, member_id, invoice_id, total = _setup()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        locked.set()
        release.wait(timeout=30)

    payer = threading.Thread(
        target=_pay, args=(committed, agency_id, member_id, invoice_id, total, hold)
    )
    payer.start()
    try:
        assert locked.wait(timeout=30)
        # What the reminder sweep does before sending: it can't take the lock now ...
        with committed.app_context(), tenant(agency_id):
            with pytest.raises(OperationalError, match="could not obtain lock"):
                db.session.execute(
                    sa.select(Invoice).where(Invoice.id == invoice_id).with_for_update(nowait=True)
                )
            db.session.rollback()
            db.session.remove()
    finally:
        release.set()
        payer.join(timeout=30)
    # ... and once the payment committed, it sees the invoice paid.
    with committed.app_context(), tenant(agency_id):
        invoice = db.session.scalar(
            sa.select(Invoice).where(Invoice.id == invoice_id).with_for_update()
        )
        assert invoice.status == "paid"
        db.session.rollback()
        db.session.remove()
