"""The reminder sweep, inside the usual rolled-back transaction (the embedded default runs
the email jobs in-process): each step goes out once at 09:00 client time, after an outage
only the latest missed step, never to an invoice that may not be chased, the owner is told
once after the last step."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice, InvoiceSettings
from app.reminders.models import ReminderSend, ReminderStep
from app.reminders.services import DEFAULT_LADDER, invoice_reminders
from app.reminders.sweep import (
    NO_CONTACT,
    due_pairs_query,
    find_due,
    remind_invoice,
    run_reminder_sweep,
)
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    ContactFactory,
    InvoiceFactory,
    MembershipFactory,
)

D = dt.date.fromisoformat
DUE = D("2026-11-16")  # a Monday; New York is on EST (UTC-5) all month


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# Send times of the default ladder for DUE in New York (09:00 EST = 14:00 UTC):
AT = {
    -3: utc("2026-11-13T14:00"),  # Fri
    0: utc("2026-11-16T14:00"),  # Mon
    7: utc("2026-11-23T14:00"),
    14: utc("2026-11-30T14:00"),
    30: utc("2026-12-16T14:00"),  # Wed
}
MINUTE = dt.timedelta(minutes=1)


def make_invoice(
    *,
    zone: str = "America/New_York",
    due: dt.date = DUE,
    contacts: tuple = (("ap@harbour.test", True), ("ceo@harbour.test", False)),
    agency=None,
    **kw,
):
    agency = agency or AgencyFactory(name="Juniper Desk", reply_to_email="accounts@juniper.test")
    client = ClientFactory(agency=agency, name="Harbour Bakery", time_zone=zone, currency="USD")
    for email, billing in contacts:
        ContactFactory(client=client, email=email, is_billing=billing)
    issued = due - dt.timedelta(days=15)
    kw.setdefault("issued_at", dt.datetime.combine(issued, dt.time(12), dt.UTC))
    invoice = InvoiceFactory(client=client, due_date=due, issue_date=issued,
                             number=kw.pop("number", "INV-2026-00042"), **kw)  # fmt: skip
    return agency, client, invoice


def sweep(at: dt.datetime) -> dict:
    db.session.expire_all()
    result = run_reminder_sweep(at)
    db.session.expire_all()
    return result


def sends(invoice_id: int) -> list[tuple[int, str, str | None]]:
    with all_tenants():
        rows = db.session.execute(
            sa.select(ReminderStep.offset_days, ReminderSend.status, ReminderSend.reason)
            .join(ReminderStep, ReminderStep.id == ReminderSend.step_id)
            .where(ReminderSend.invoice_id == invoice_id)
            .order_by(ReminderStep.offset_days)
        ).all()
    return [tuple(r) for r in rows]


def emails(like: str = "reminder:%") -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like(like))
                .order_by(OutboundEmail.id)
            )
        )


def test_each_step_goes_out_once_at_nine_client_time():
    agency, _, invoice = make_invoice()
    assert sweep(AT[-3] - MINUTE).get("sent", 0) == 0
    assert sends(invoice.id) == []
    # The sweep installed the default ladder for the agency on the way.
    with tenant(agency.id):
        offsets = db.session.scalars(sa.select(ReminderStep.offset_days)).all()
    assert sorted(offsets) == [o for o, _, _ in DEFAULT_LADDER]

    assert sweep(AT[-3])["sent"] == 1
    assert sends(invoice.id) == [(-3, "sent", None)]
    assert sweep(AT[-3] + 5 * MINUTE).get("sent", 0) == 0  # the next run: nothing twice
    assert sweep(AT[0] - MINUTE).get("sent", 0) == 0
    assert sweep(AT[0])["sent"] == 1
    assert [s[:2] for s in sends(invoice.id)] == [(-3, "sent"), (0, "sent")]

    first, second = emails()
    assert first.to_addr == "ap@harbour.test"  # the billing contact only
    assert first.reply_to == "accounts@juniper.test"
    assert first.from_name == "Juniper Desk"
    assert first.subject == "Invoice INV-2026-00042 is due on November 16, 2026"
    assert "$1,000.00" in first.text_body
    assert f"/{agency.slug}/invoices/{invoice.id}" in first.text_body
    assert second.subject == "Invoice INV-2026-00042 is due today"
    assert first.status == second.status == "sent"  # delivered in-process (to the log)
    with tenant(agency.id):
        row = db.session.scalar(sa.select(ReminderSend).where(ReminderSend.email_id == first.id))
        assert row.due_at == AT[-3]
        assert row.recipients == ["ap@harbour.test"]


def test_after_an_outage_only_the_latest_missed_step_is_sent():
    _, _, invoice = make_invoice()
    result = sweep(AT[14] + dt.timedelta(hours=3))  # nothing ran since before the due date
    assert result["sent"] == 1
    recorded = sends(invoice.id)
    assert [(o, s) for o, s, _ in recorded] == [
        (-3, "skipped"), (0, "skipped"), (7, "skipped"), (14, "sent"),
    ]  # fmt: skip
    assert all("only the latest due step (14 days after due)" in r for _, s, r in recorded[:3])
    (email,) = emails()
    assert email.subject == "Second reminder: invoice INV-2026-00042 is overdue"
    assert "now 14 days past its due date" in email.text_body
    # The missed ones stay missed; the last step comes at its own time.
    assert sweep(AT[30] - MINUTE).get("sent", 0) == 0
    assert sweep(AT[30])["sent"] == 1
    assert sends(invoice.id)[-1][:2] == (30, "sent")


def test_a_missed_step_older_than_the_catch_up_window_is_not_sent_late():
    _, _, invoice = make_invoice()
    # 29 days after the 14-day step, a day before the 30-day one: nothing is in the window.
    assert sweep(AT[30] - dt.timedelta(days=1)).get("sent", 0) == 0
    assert sends(invoice.id) == []
    assert sweep(AT[30])["sent"] == 1
    assert [s[:2] for s in sends(invoice.id)] == [
        (-3, "skipped"), (0, "skipped"), (7, "skipped"), (14, "skipped"), (30, "sent"),
    ]  # fmt: skip


def test_the_owners_are_told_once_after_the_last_step():
    agency, _, invoice = make_invoice()
    owners = [MembershipFactory(agency=agency, role="owner") for _ in range(2)]
    MembershipFactory(agency=agency, role="manager")
    MembershipFactory(agency=agency, role="owner", status="disabled")
    sweep(AT[14])
    assert emails("reminders-exhausted:%") == []
    sweep(AT[30])
    told = emails("reminders-exhausted:%")
    assert sorted(e.to_addr for e in told) == sorted(m.user.email for m in owners)
    assert "Last reminder sent for invoice INV-2026-00042 (Harbour Bakery)" in told[0].subject
    assert "$1,000.00 is still open" in told[0].text_body
    # Later runs, and a run long after, tell nobody again.
    sweep(AT[30] + dt.timedelta(minutes=15))
    sweep(AT[30] + dt.timedelta(days=3))
    assert len(emails("reminders-exhausted:%")) == 2


BLOCKED = {
    "paid": dict(status="paid", paid_minor=100000),
    "void": dict(status="void"),
    "draft": dict(status="draft", number=None, issued_at=None),
    "disputed": dict(disputed=True),
    "paused invoice": dict(reminders_paused=True),
    "credit note": dict(kind="credit_note", number="CN-2026-00001"),
    "nothing left to pay": dict(status="partially_paid", paid_minor=100000),
}


@pytest.mark.parametrize("case", list(BLOCKED), ids=list(BLOCKED))
def test_never_reminded(case):
    _, _, invoice = make_invoice(**BLOCKED[case])
    for step_at in AT.values():
        sweep(step_at)
    assert sends(invoice.id) == []
    assert emails("%") == []


def test_never_reminded_while_the_client_is_paused_and_again_after():
    agency, client, invoice = make_invoice()
    with all_tenants():
        client.reminders_paused = True
        db.session.flush()
    sweep(AT[0])
    assert sends(invoice.id) == []
    with all_tenants():
        db.session.get(type(client), client.id).reminders_paused = False
        db.session.flush()
    sweep(AT[0] + MINUTE)  # resumed: the latest due step goes, the older one is skipped
    assert [s[:2] for s in sends(invoice.id)] == [(-3, "skipped"), (0, "sent")]


def test_never_reminded_when_the_agency_turned_reminders_off():
    agency, _, invoice = make_invoice()
    with tenant(agency.id):
        db.session.add(InvoiceSettings(reminders_enabled=False))
        db.session.flush()
    for step_at in AT.values():
        sweep(step_at)
    assert sends(invoice.id) == []


def test_a_payment_before_the_step_stops_it_and_partial_payments_show_the_balance():
    agency, _, invoice = make_invoice(status="partially_paid", paid_minor=40000)
    sweep(AT[0])
    (email,) = emails()
    assert "$600.00" in email.text_body  # the balance, not the total
    with all_tenants():
        invoice.status, invoice.paid_minor = "paid", 100000
        db.session.flush()
    sweep(AT[7])
    assert [s[:2] for s in sends(invoice.id)] == [(-3, "skipped"), (0, "sent")]


def test_the_re_check_under_the_lock_sees_what_the_query_could_not():
    """remind_invoice is called for an invoice the query found, but that changed since."""
    agency, _, invoice = make_invoice()
    sweep(AT[-3] - MINUTE)  # installs the ladder
    with all_tenants():
        invoice.status = "void"
        db.session.flush()
    with tenant(agency.id):
        assert remind_invoice(invoice.id, AT[0]) == "blocked"
    assert sends(invoice.id) == []


def test_without_billing_contacts_every_contact_with_an_email_gets_it():
    _, _, invoice = make_invoice(
        contacts=(("owner@harbour.test", False), ("", False), ("books@harbour.test", False))
    )
    sweep(AT[0])
    assert sorted(e.to_addr for e in emails()) == ["books@harbour.test", "owner@harbour.test"]
    assert sends(invoice.id)[-1][:2] == (0, "sent")


def test_without_any_email_address_the_step_is_recorded_as_skipped():
    _, _, invoice = make_invoice(contacts=(("", True),))
    sweep(AT[0])
    assert sends(invoice.id)[-1] == (0, "skipped", NO_CONTACT)
    assert emails() == []


def test_steps_scheduled_before_the_invoice_was_issued_are_skipped():
    _, _, invoice = make_invoice(issued_at=utc("2026-11-14T10:00"))  # after the -3 step
    sweep(AT[-3] + dt.timedelta(days=1, hours=1))
    assert sends(invoice.id) == [(-3, "skipped", "Scheduled before the invoice was issued.")]
    assert emails() == []
    sweep(AT[0])
    assert sends(invoice.id)[-1][:2] == (0, "sent")


def test_the_clients_zone_decides_sydney_across_the_end_of_daylight_saving():
    # Due Monday 6 April 2026 in Sydney: AEDT ended the day before, 09:00 AEST = 23:00 UTC.
    _, _, invoice = make_invoice(zone="Australia/Sydney", due=D("2026-04-06"))
    sweep(utc("2026-04-05T22:59"))
    assert [s[:2] for s in sends(invoice.id)] == [(-3, "sent")]  # Fri 3 April, 09:00 AEDT
    sweep(utc("2026-04-05T22:59") + MINUTE)
    assert [s[:2] for s in sends(invoice.id)] == [(-3, "sent"), (0, "sent")]


def test_edited_steps_and_disabled_steps():
    agency, _, invoice = make_invoice()
    sweep(AT[-3] - MINUTE)
    with tenant(agency.id):
        steps = {s.offset_days: s for s in db.session.scalars(sa.select(ReminderStep))}
        steps[-3].active = False
        steps[0].subject_template = "{{ client_name|upper }}: {{ amount_due }} today"
        db.session.flush()
    sweep(AT[-3])
    assert sends(invoice.id) == []
    sweep(AT[0])
    (email,) = emails()
    assert email.subject == "HARBOUR BAKERY: $1,000.00 today"


def test_ladders_are_installed_only_where_there_is_something_to_chase():
    busy, _, _ = make_invoice()
    idle = AgencyFactory()
    result = sweep(AT[-3] - MINUTE)
    assert result["ladders_installed"] == 1
    with all_tenants():
        agencies = db.session.scalars(sa.select(ReminderStep.agency_id).distinct()).all()
    assert agencies == [busy.id] and idle.id not in agencies
    assert sweep(AT[-3] - MINUTE)["ladders_installed"] == 0


def test_the_query_finds_only_due_invoices_and_skips_steps_they_are_past():
    agency = AgencyFactory()
    invoices = [make_invoice(agency=agency, number=f"INV-{n}")[2] for n in range(5)]
    later = make_invoice(agency=agency, due=DUE + dt.timedelta(days=3), number="INV-later")[2]
    sweep(AT[-3] - dt.timedelta(days=4))  # installs the ladder, nothing due
    found = find_due(AT[0])
    assert found == sorted((agency.id, i.id) for i in [*invoices, later])  # later: its -3 step
    with all_tenants():
        pairs = db.session.execute(due_pairs_query(AT[0])).all()
    with tenant(agency.id):
        own_steps = set(db.session.scalars(sa.select(ReminderStep.id)))
    assert {p.step_id for p in pairs} <= own_steps
    sweep(AT[0])
    db.session.expire_all()
    with all_tenants():
        reached = {i.id: db.session.get(Invoice, i.id).reminder_offset_done for i in invoices}
    assert set(reached.values()) == {0}  # the sweep keeps each invoice's position
    assert find_due(AT[0] + MINUTE) == []
    with all_tenants():
        pairs = db.session.execute(due_pairs_query(AT[7])).all()
    behind = {p.offset_days for p in pairs if p.id in reached}
    assert behind == {7}  # -3 and 0 are behind these invoices: not even candidates


def test_the_query_reads_one_range_of_the_partial_index_per_step():
    make_invoice()
    sweep(AT[-3] - MINUTE)
    with all_tenants():
        compiled = due_pairs_query(AT[0]).compile(dialect=db.session.get_bind().dialect)
    cursor = db.session.connection().connection.cursor()
    cursor.execute("SET LOCAL enable_seqscan = off")  # a test-sized table would be scanned
    cursor.execute("EXPLAIN " + str(compiled), compiled.params)
    plan = "\n".join(r[0] for r in cursor.fetchall())
    assert "ix_invoices_reminder_candidates" in plan, plan


def test_history_and_next_step_for_the_invoice_page():
    agency, _, invoice = make_invoice()
    sweep(AT[7])
    with tenant(agency.id):
        db.session.expire_all()
        state = invoice_reminders(db.session.merge(invoice), now=AT[7] + MINUTE)
    assert [(h.offset_days, h.status) for h in state.history] == [
        (-3, "skipped"), (0, "skipped"), (7, "sent"),
    ]  # fmt: skip
    assert state.history[-1].recipients == ["ap@harbour.test"]
    assert state.next.offset_days == 14
    assert state.next.due_at == AT[14]
    assert state.next.local_time == "Mon 30 Nov, 09:00 EST"
    assert state.blocked_reason is None and not state.next.overdue
