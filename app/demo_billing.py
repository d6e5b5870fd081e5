"""The demo agency's money: invoices in four currencies, payments, reminders and a retainer,
made through the real services (`app.invoices.services` and `.lines`, `app.payments`,
`app.retainers`, `app.reminders.sweep`) as the agency owner, so numbering, totals,
balances and statuses follow the rules.

Two phases around one commit: `seed_demo_billing` writes the drafts and issues the
invoices (their PDF and email jobs run after the commit, as after any issue), then
`settle_demo_billing` records what happened since: the payments, the reminders the
overdue invoice got, and this month's retainer draft.

`issue_invoice` dates an invoice today and `mark_sent`/`settle` stamp the current time;
the demo's invoices were issued weeks ago, so those dates are moved back to the story's
(the invoice dates before the PDF is rendered, so the PDF shows the same ones). Nothing
else is changed by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.formatting import month_label
from app.demo_work import AL, AMIRA, BOOKS, HB, INBOX, LD, NC, SOCIAL, demo_actor
from app.extensions import db
from app.invoices.lines import add_line, add_lines_from_source
from app.invoices.models import Invoice
from app.invoices.queries import invoice_settings
from app.invoices.services import create_invoice, issue_invoice, system_actor
from app.invoices.settings import create_tax_rate
from app.payments.deposits import create_deposit_invoice
from app.payments.services import record_payment
from app.reminders.schedule import send_at
from app.reminders.services import ensure_ladder, ladder_steps
from app.reminders.sweep import remind_invoice
from app.retainers.services import create_retainer, draft_for_plan, due_month
from app.time.models import TimeEntry
from app.users.models import Membership
from app.work.models import WorkItem

# Fee per delivered work item on the Harbour Bakery draft, in AUD minor units, by SOP.
WORK_FEES = {SOCIAL: 165000, BOOKS: 54000, INBOX: 18000}


def _period(days_ago: float, locale: str = "en") -> str:
    """The month the work on an invoice issued `days_ago` was done (the month before)."""
    day = utcnow().date() - dt.timedelta(days=days_ago + 20)
    return month_label(f"{day:%Y-%m}", locale)


def _backdate(invoice: Invoice, days_ago: float) -> None:
    """The invoice was issued `days_ago` (see the module docstring): its issue time and
    date, and the due date its terms give from that date."""
    when = utcnow() - dt.timedelta(days=days_ago)
    invoice.created_at = when - dt.timedelta(hours=2)
    invoice.issued_at = when
    invoice.issue_date = today_in(invoice.client_time_zone, when)
    invoice.due_date = invoice.issue_date + dt.timedelta(days=invoice.net_days)
    db.session.flush()


def _issue(actor, client: Client, days_ago: float, lines: list[tuple], *, tax=None, rate=None):
    """A draft with manual lines (description, quantity, unit price minor), issued
    `days_ago` with the rate to the base currency the agency noted that day."""
    invoice = create_invoice(
        actor, {"client_id": client.id, "period_label": _period(days_ago, client.locale)}
    )
    for description, quantity, price in lines:
        add_line(
            actor,
            invoice,
            {
                "description": description,
                "quantity": Decimal(quantity),
                "unit_price_minor": price,
                "tax_rate_id": tax.id if tax is not None else None,
            },
        )
    issue_invoice(actor, invoice, {"rate_to_base": rate})
    _backdate(invoice, days_ago)
    return invoice


def seed_demo_billing(agency, work: list[WorkItem]) -> dict[str, int]:
    """Drafts and issued invoices (tenant of `agency` set); flushes, never commits.
    Returns the ids `settle_demo_billing` needs."""
    owner = demo_actor(agency, AMIRA)
    clients = {c.name: c for c in db.session.scalars(sa.select(Client))}
    gst = create_tax_rate(owner, {"name": "GST", "rate_percent": Decimal(10), "inclusive": False})
    ensure_ladder(owner)
    hb, ld, nc, al = clients[HB], clients[LD], clients[NC], clients[AL]
    # Issued oldest first, so the numbers follow the dates.
    paid = _issue(owner, ld, 45, [
        ("Weekly status reports", 4, 15000),
        ("Inbox & calendar care", 1, 90000),
    ])  # fmt: skip
    overdue = _issue(owner, hb, 30, [
        ("Monthly social media management", 1, 165000),
        ("Month-end bookkeeping close", 1, 54000),
    ], tax=gst, rate=Decimal("0.65"))  # fmt: skip
    _issue(owner, ld, 14, [
        ("Weekly status reports", 4, 15000),
        ("Inbox & calendar care", 1, 90000),
        ("Patient recall campaign set-up", 1, 35000),
    ])  # fmt: skip
    partly = _issue(owner, nc, 10, [
        ("Monthly social media management", 1, 1500000),
        ("Weekly status reports", 4, 150000),
    ], rate=Decimal("0.0205"))  # fmt: skip
    deposit = create_deposit_invoice(
        owner,
        al,
        {"amount_minor": 480000, "description": "onboarding and three months of inbox care"},
    )
    issue_invoice(owner, deposit, {"rate_to_base": Decimal("1.08")})
    _backdate(deposit, 3)

    # Drafts for the owner to finish: delivered work of Harbour Bakery, and a package.
    draft = create_invoice(
        owner, {"client_id": hb.id, "period_label": _period(0), "notes": "Thank you!"}
    )
    delivered = [w for w in work if w.client_id == hb.id and w.state == "delivered"]
    for w in delivered:
        fee = WORK_FEES[w.sop_version.sop.slug]
        add_lines_from_source(
            owner,
            draft,
            {"source": "work_item", "ids": [w.id], "unit_price_minor": fee, "tax_rate_id": gst.id},
        )
    package = create_invoice(owner, {"client_id": ld.id, "period_label": _period(0)})
    add_lines_from_source(owner, package, {"source": "package", "ids": [ld.service_package_id]})
    return {"paid": paid.id, "overdue": overdue.id, "partly": partly.id, "client": ld.id}


# The retainer's share of its month's hours the demo client has used (approved time).
BANK_SHARE = Decimal("0.85")


def _draw_on_the_bank(agency, plan, client: Client, now: dt.datetime) -> None:
    """Approved time of the retainer's client this month (the agency's), at 85 % of the
    plan's hours: recorded as durations (no clock times), at most 4 hours an entry, shared
    by the VAs over the month's days before today (today's time waits for approval; on the
    1st, today)."""
    vas = db.session.scalars(
        sa.select(Membership).where(Membership.role == "va").order_by(Membership.id)
    ).all()
    today = today_in(agency.time_zone, now)
    days = [today.replace(day=d) for d in range(1, max(today.day - 1, 1) + 1)]
    left = int(plan.included_hours * BANK_SHARE * 3600)
    chunk = min(4 * 3600, -(-left // (len(days) * len(vas))))
    approver = _owner_user_id()
    i = 0
    while left > 0:
        va = vas[i % len(vas)]
        seconds = min(chunk, left)
        db.session.add(
            TimeEntry(
                membership_id=va.id,
                client_id=client.id,
                billable=True,
                entry_date=days[(i // len(vas)) % len(days)],
                duration_seconds=seconds,
                zone=agency.time_zone or "UTC",
                created_by_id=va.user_id,
                notes="Inbox triage and replies",
                approved_at=now - dt.timedelta(hours=2),
                approved_by_id=approver,
            )
        )
        left -= seconds
        i += 1
    db.session.flush()


def _owner_user_id() -> int | None:
    return db.session.scalar(
        sa.select(Membership.user_id).where(Membership.role == "owner").order_by(Membership.id)
    )


def settle_demo_billing(agency, ids: dict[str, int]) -> None:
    """After the issued invoices went out: payments, reminders, the retainer (tenant of
    `agency` set); flushes, never commits."""
    owner = demo_actor(agency, AMIRA)
    now = utcnow()
    # mark_sent stamped when the PDF jobs just ran; each went out minutes after its issue.
    for invoice in db.session.scalars(sa.select(Invoice).where(Invoice.sent_at.is_not(None))):
        invoice.sent_at = invoice.issued_at + dt.timedelta(minutes=12)

    paid = db.session.get(Invoice, ids["paid"])
    paid_on = paid.due_date - dt.timedelta(days=3)
    record_payment(
        owner,
        paid,
        {"amount_minor": paid.balance_minor, "paid_on": paid_on, "reference": "LD-4471"},
    )
    paid.paid_at = dt.datetime.combine(paid_on, dt.time(15, 0), tzinfo=dt.UTC)  # settle: now
    partly = db.session.get(Invoice, ids["partly"])
    record_payment(
        owner,
        partly,
        {
            "amount_minor": 1000000,
            "paid_on": today_in(partly.client_time_zone, now - dt.timedelta(days=3)),
            "method": "wise",
            "reference": "Wise 81-220-447",
            "rate_to_base": Decimal("0.0205"),
        },
    )

    # The reminder sweep ran at each step's time while the overdue invoice stayed unpaid.
    overdue = db.session.get(Invoice, ids["overdue"])
    for step in ladder_steps():
        at = send_at(overdue.due_date, step.offset_days, overdue.client_time_zone)
        if at < now:
            remind_invoice(overdue.id, at + dt.timedelta(minutes=1))

    client = db.session.get(Client, ids["client"])
    plan = create_retainer(
        owner,
        client,
        {
            "description": "Front-desk inbox care",
            "monthly_amount_minor": 90000,
            "included_hours": Decimal(20),
        },
    )
    _draw_on_the_bank(agency, plan, client, now)
    # What the hourly retainer job does for each plan on the agency's recurring day.
    month = due_month(agency.time_zone, invoice_settings().recurring_day, now)
    if month is not None:
        draft_for_plan(plan, month, system_actor(agency.id))
    db.session.flush()
