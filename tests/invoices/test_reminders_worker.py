"""The reminder flow end to end with real processes: the clock's periodic job on a private
redis-server, a real RQ worker (`python -m workers`) running the sweep and then the email
jobs, and a real SMTP server (aiosmtpd) receiving the reminder once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.utils import getaddresses

import pytest
import sqlalchemy as sa

from app.core.jobs import OutboxJob, enqueue_job
from app.core.schedule import enqueue_due_periodic
from app.core.tenancy import all_tenants
from app.core.uow import commit
from app.extensions import db
from app.reminders.models import ReminderSend, ReminderStep
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    ContactFactory,
    InvoiceFactory,
    MembershipFactory,
)
from tests.workers.conftest import (  # noqa: F401 - fixtures of the real processes
    private_redis,
    rq_app,
    smtp,
    worker_env,
    workers,
)

pytestmark = pytest.mark.no_db


def _overdue_invoice() -> int:
    """Due 20 days ago in Berlin: the 14-day step is due (its date was 4-6 days ago), the
    30-day one is ahead, and -3, 0 and 7 are missed."""
    today = dt.datetime.now(dt.UTC).date()
    due = today - dt.timedelta(days=20)
    agency = AgencyFactory(name="Juniper Desk", reply_to_email="accounts@juniper.test")
    MembershipFactory(agency=agency, role="owner")
    client = ClientFactory(agency=agency, name="Atlas Logistics", time_zone="Europe/Berlin",
                           currency="EUR", locale="de_DE")  # fmt: skip
    ContactFactory(client=client, name="Anna Buch", email="buchhaltung@atlas.test", is_billing=True)
    ContactFactory(client=client, name="Max Chef", email="chef@atlas.test", is_billing=False)
    invoice = InvoiceFactory(
        client=client,
        number="INV-2026-00077",
        issue_date=due - dt.timedelta(days=15),
        due_date=due,
        issued_at=dt.datetime.combine(due - dt.timedelta(days=15), dt.time(10), dt.UTC),
        total_minor=123456,
        subtotal_minor=123456,
    )
    db.session.commit()
    return invoice.id


def _about_invoice(handler) -> list[bytes]:
    return [m for m in handler.messages if b"INV-2026-00077" in m]


def _reminder_rows(invoice_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    with all_tenants():
        return db.session.execute(
            sa.select(ReminderStep.offset_days, ReminderSend.status)
            .join(ReminderStep, ReminderStep.id == ReminderSend.step_id)
            .where(ReminderSend.invoice_id == invoice_id)
            .order_by(ReminderStep.offset_days)
        ).all()


def test_the_clock_the_worker_and_smtp_deliver_a_reminder_once(rq_app, smtp, workers):  # noqa: F811
    handler, _ = smtp
    invoice_id = _overdue_invoice()
    assert enqueue_due_periodic() >= 1  # the clock: housekeeping and the reminder sweep
    workers.burst()
    assert _reminder_rows(invoice_id) == [
        (-3, "skipped"), (0, "skipped"), (7, "skipped"), (14, "sent"),
    ]  # fmt: skip
    # The clock runs every periodic job; the client's other mail (an NPS survey) is not counted.
    assert len(_about_invoice(handler)) == 1
    message = email.message_from_bytes(_about_invoice(handler)[0], policy=email.policy.default)
    assert message["Subject"] == "Second reminder: invoice INV-2026-00077 is overdue"
    assert getaddresses([message["To"]]) == [("", "buchhaltung@atlas.test")]
    assert message["Reply-To"] == "accounts@juniper.test"
    assert "Juniper Desk" in message["From"]
    text = message.get_body(("plain",)).get_content()
    assert "1.234,56\xa0€" in text  # the amount in the client's locale (de_DE)
    assert "Hello Atlas Logistics" in text

    # Another sweep (the next slot, or a second clock) sends nothing again.
    with all_tenants():
        enqueue_job(db.session, "app.reminders.sweep.sweep_reminders",
                    label="Periodic: invoice_reminders (again)")  # fmt: skip
        commit()
    workers.burst()
    assert len(_about_invoice(handler)) == 1
    db.session.expire_all()
    with all_tenants():
        statuses = db.session.scalars(
            sa.select(OutboxJob.status).where(OutboxJob.func.like("%sweep_reminders"))
        ).all()
    assert statuses == ["succeeded", "succeeded"]
