"""The reminder sweep: a periodic job that finds due (invoice, step) pairs in every agency
and sends each at most once.

1. Across all tenants (explicitly), one indexed query finds the candidate pairs: chaseable
   invoices (the partial index `ix_invoices_reminder_candidates`, read one short range per
   ladder step) whose due date puts an active step in the window [today - CATCH_UP_DAYS,
   today + 1] and that have not reached that step yet (`Invoice.reminder_offset_done`).
   The exact send time (09:00 client time on a business day) is
   then checked per row in Python.
2. Per invoice, under that agency's tenant, `remind_invoice` locks the invoice row
   (`SELECT ... FOR UPDATE`, the lock a payment takes too), re-checks that it may still be
   chased, and records the due steps: after an outage only the latest missed step is sent
   and older ones are recorded as skipped with the reason. The record is inserted first; its
   unique key (invoice, step) makes a second sweep's insert fail, so nothing is sent twice
   even without the lock. The emails (one per billing contact) and, after the last step,
   the owners' notice go through the outbox in the same transaction, with the invoice's
   new position on its ladder.

A missed step older than CATCH_UP_DAYS is no longer sent (the next step will be).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask_babel.speaklater import LazyString
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.functions import FunctionElement

from app.agencies.models import Agency
from app.clients.models import Client, Contact
from app.core.clock import utcnow
from app.core.jobs import queue_timeout
from app.core.mail import OutboundEmail, queue_email
from app.core.money import format_money
from app.core.tenancy import all_tenants, tenant
from app.core.translation import gettext, lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.invoices.models import Invoice, InvoiceSettings
from app.reminders.messages import render_reminder
from app.reminders.models import ReminderSend, ReminderStep
from app.reminders.policy import CHASED_STATUSES, reminder_block_reason
from app.reminders.schedule import latest_due_step_date, send_at
from app.reminders.services import (
    ensure_ladder,
    invoice_link,
    label_offset,
    reminder_values,
    reminders_enabled,
)
from app.users.models import Membership, User

log = logging.getLogger("baton.reminders")

CATCH_UP_DAYS = 14
NO_CONTACT = "No contact of the client has an email address."


# --- the query --------------------------------------------------------------------------------


class days_before(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """`date - n days` for a date and an integer column, on PostgreSQL and SQLite."""

    type = sa.Date()
    inherit_cache = True
    name = "days_before"


@compiles(days_before)
def _days_before_pg(element: days_before, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) - {compiler.process(days, **kw)})"


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, (-({compiler.process(days, **kw)})) || ' days')"


def chaseable():
    """The predicate of `ix_invoices_reminder_candidates`, written as literals so the
    planner can prove the index applies (bound parameters would hide it)."""
    return sa.and_(
        Invoice.status.in_([sa.literal_column(f"'{s}'") for s in CHASED_STATUSES]),
        Invoice.kind == sa.literal_column("'invoice'"),
        sa.not_(Invoice.disputed),
        sa.not_(Invoice.reminders_paused),
    )


def due_pairs_query(now: dt.datetime, dialect: str = "postgresql") -> sa.Select:
    """Candidate (invoice, step) pairs across every agency; run it inside `all_tenants()`.

    An invoice is a candidate for a step when it may be chased (the partial index's
    predicate), the step's date (due date + offset) lies in [today - CATCH_UP_DAYS,
    today + 1] (UTC dates; the exact 09:00-local check is `find_due`'s) and the invoice has
    not reached that step yet (`reminder_offset_done`, kept by the sweep with the records,
    so the history itself need not be probed; `remind_invoice` reads it under the lock).
    On PostgreSQL the invoices come from a LATERAL subquery per active step, so the planner
    reads one short range of the partial index per step instead of the whole index.
    """
    hi = sa.literal(latest_due_step_date(now), sa.Date())
    lo = sa.literal(now.astimezone(dt.UTC).date() - dt.timedelta(days=CATCH_UP_DAYS), sa.Date())
    window = sa.and_(
        Invoice.agency_id == ReminderStep.agency_id,
        chaseable(),
        Invoice.due_date >= days_before(lo, ReminderStep.offset_days),
        Invoice.due_date <= days_before(hi, ReminderStep.offset_days),
        sa.or_(
            Invoice.reminder_offset_done.is_(None),
            Invoice.reminder_offset_done < ReminderStep.offset_days,
        ),
    )
    columns = (
        Invoice.id,
        Invoice.agency_id,
        Invoice.due_date,
        Invoice.client_time_zone,
        Invoice.client_id,
    )
    if dialect == "postgresql":
        candidate = sa.select(*columns).where(window).lateral("candidate")
        source = sa.select(ReminderStep).join(candidate, sa.true())
        inv = candidate.c
    else:  # SQLite has no LATERAL: the same conditions as a plain join
        source = sa.select(ReminderStep).join(Invoice, window)
        inv = Invoice.__table__.c
    client_paused = sa.select(Client.id).where(
        Client.id == inv.client_id, Client.reminders_paused == sa.true()
    )
    agency_off = sa.select(InvoiceSettings.id).where(
        InvoiceSettings.agency_id == ReminderStep.agency_id,
        InvoiceSettings.reminders_enabled == sa.false(),
    )
    return source.with_only_columns(
        inv.id,
        inv.agency_id,
        inv.due_date,
        inv.client_time_zone,
        ReminderStep.id.label("step_id"),
        ReminderStep.offset_days,
    ).where(
        ReminderStep.active == sa.true(),
        ~sa.exists(client_paused),
        ~sa.exists(agency_off),
    )


def find_due(now: dt.datetime) -> list[tuple[int, int]]:
    """(agency id, invoice id) of every invoice with a step due at `now`, by invoice id."""
    with all_tenants():
        connection = db.session.connection()
        # Plain rows through the session's connection: no ORM row processing for what can
        # be tens of thousands of (invoice, step) pairs after an outage.
        rows = connection.execute(due_pairs_query(now, connection.dialect.name)).all()
    due: dict[int, int] = {}
    for invoice_id, agency_id, due_date, zone, _step_id, offset in rows:
        if invoice_id not in due and send_at(due_date, offset, zone) <= now:
            due[invoice_id] = agency_id
    return sorted((agency_id, invoice_id) for invoice_id, agency_id in due.items())


def install_missing_ladders() -> int:
    """Give the default ladder to agencies with invoices to chase and no ladder yet."""
    with all_tenants():
        has_steps = sa.exists(sa.select(ReminderStep.id).where(ReminderStep.agency_id == Agency.id))
        has_open = sa.exists(
            sa.select(Invoice.id).where(Invoice.agency_id == Agency.id, chaseable())
        )
        agency_ids = list(db.session.scalars(sa.select(Agency.id).where(~has_steps, has_open)))
    db.session.commit()
    installed = 0
    for agency_id in agency_ids:
        with tenant(agency_id):
            try:
                ensure_ladder(None)
                commit()
                installed += 1
            except IntegrityError:
                db.session.rollback()  # installed by a concurrent sweep
    return installed


# --- the job ------------------------------------------------------------------------------


def sweep_reminders() -> dict:
    """The periodic job (see app.core.schedule.PERIODIC)."""
    budget = 0.8 * queue_timeout("default")
    return run_reminder_sweep(utcnow(), time_budget=budget)


def run_reminder_sweep(now: dt.datetime, *, time_budget: float | None = None) -> dict:
    """Send every reminder due at `now`; safe to run twice at once (row locks, unique keys).
    Stops after `time_budget` seconds; the next run carries on."""
    started = time.monotonic()
    counts: Counter[str] = Counter()
    counts["ladders_installed"] = install_missing_ladders()
    todo = find_due(now)
    db.session.commit()  # end the read; each invoice runs in its own transaction
    for agency_id, invoice_id in sorted(todo, key=lambda pair: pair[1]):
        if time_budget is not None and time.monotonic() - started > time_budget:
            counts["stopped_early"] = 1
            break
        with tenant(agency_id):
            try:
                outcome = remind_invoice(invoice_id, now)
                commit()
            except Exception:  # noqa: BLE001 - one bad invoice must not stop the sweep
                db.session.rollback()
                log.exception("reminder for invoice %s failed", invoice_id)
                outcome = "error"
        counts[outcome] += 1
    return dict(counts)


# --- one invoice ------------------------------------------------------------------------


def lock_invoice_for_reminder(invoice_id: int) -> Invoice | None:
    """The invoice, re-read under a row lock: a payment committing meanwhile is seen."""
    return db.session.scalar(
        sa.select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    )


def remind_invoice(invoice_id: int, now: dt.datetime) -> str:
    """Record and send the due reminder of one invoice of the current agency, at most once.
    Flushes; the caller commits (which also releases the row lock). Returns the outcome:
    sent, skipped, blocked, not_due, duplicate or missing."""
    invoice = lock_invoice_for_reminder(invoice_id)
    if invoice is None:
        return "missing"
    client = db.session.scalar(
        sa.select(Client)
        .where(Client.id == invoice.client_id)
        .execution_options(populate_existing=True)
    )
    blocked = reminder_block_reason(
        invoice, client_paused=client.reminders_paused, agency_enabled=reminders_enabled()
    )
    if blocked:
        return "blocked"
    steps = {s.id: s for s in db.session.scalars(sa.select(ReminderStep))}
    active = sorted((s for s in steps.values() if s.active), key=lambda s: s.offset_days)
    recorded = {  # the ladder's own records (reminders sent by hand do not move it)
        r.step_id: r
        for r in db.session.scalars(
            sa.select(ReminderSend).where(
                ReminderSend.invoice_id == invoice.id, ReminderSend.step_id.is_not(None)
            )
        )
    }
    zone = invoice.client_time_zone
    due, early = [], []
    for step in active:
        if step.id in recorded:
            continue
        at = send_at(invoice.due_date, step.offset_days, zone)
        if at > now:
            continue
        if invoice.issued_at is not None and at <= invoice.issued_at:
            early.append((step, at))
        else:
            due.append((step, at))
    if not due and not early:
        return "not_due"

    # Steps at or before one already recorded are behind the ladder's position: skipped.
    offsets = [steps[r.step_id].offset_days for r in recorded.values() if r.step_id in steps]
    if invoice.reminder_offset_done is not None:
        offsets.append(invoice.reminder_offset_done)
    floor = max(offsets, default=None)
    newest = max(due, key=lambda pair: pair[0].offset_days)[0] if due else None
    latest = newest if newest and (floor is None or newest.offset_days > floor) else None
    rows: list[ReminderSend] = [
        _record(invoice, step, at, "skipped", "Scheduled before the invoice was issued.")
        for step, at in early
    ]
    for step, at in due:
        if step is latest:
            continue
        if floor is not None and step.offset_days <= floor:
            reason = "A later step had already gone out."
        else:
            reason = (
                "Missed while reminders were not running; only the latest due step "
                f"({label_offset(newest.offset_days)}) is sent."
            )
        rows.append(_record(invoice, step, at, "skipped", reason))
    sending = None
    addresses: list[str] = []
    if latest is not None:
        at = next(a for s, a in due if s is latest)
        addresses = reminder_recipients(client)
        sending = _record(invoice, latest, at, "sent" if addresses else "skipped",
                          None if addresses else NO_CONTACT)  # fmt: skip
        rows.append(sending)

    # Insert first: the unique (invoice, step) key refuses a second sweep's record.
    reached = max(steps[r.step_id].offset_days for r in rows)
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
            db.session.flush()
            invoice.reminder_offset_done = reached if floor is None else max(reached, floor)
            db.session.flush()
    except (IntegrityError, StaleDataError):
        # Recorded by someone else meanwhile (the key, or the invoice's version, says so).
        return "duplicate"
    if sending is None:
        return "skipped"
    agency = db.session.get(Agency, invoice.agency_id)
    if sending.status == "sent":
        queue_reminder(invoice, client, agency, latest, sending, addresses)
    if latest is active[-1]:
        _tell_owners(invoice, client, agency, sending)
    return sending.status


def _record(invoice: Invoice, step: ReminderStep, at: dt.datetime, status: str, reason):
    return ReminderSend(
        agency_id=invoice.agency_id,
        invoice_id=invoice.id,
        step_id=step.id,
        due_at=at,
        status=status,
        reason=reason,
    )


def reminder_recipients(client: Client) -> list[str]:
    """The client's billing contacts with an email; if none, every contact with one."""
    contacts = list(
        db.session.scalars(
            sa.select(Contact)
            .where(Contact.client_id == client.id, Contact.email.is_not(None), Contact.email != "")
            .order_by(Contact.id)
        )
    )
    chosen = [c for c in contacts if c.is_billing] or contacts
    seen: dict[str, str] = {}
    for contact in chosen:
        seen.setdefault(contact.email.strip().lower(), contact.email.strip())
    return list(seen.values())


def _reply_to(agency: Agency) -> str | None:
    if agency.reply_to_email:
        return agency.reply_to_email
    return db.session.scalar(
        sa.select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "owner", Membership.status == "active")
        .order_by(Membership.id)
        .limit(1)
    )


def _address_key(address: str) -> str:
    return hashlib.sha256(address.lower().encode()).hexdigest()[:20]


def queue_reminder(
    invoice: Invoice,
    client: Client,
    agency: Agency,
    step: ReminderStep,
    send: ReminderSend,
    addresses: list[str],
    key: str | None = None,
) -> None:
    """Queue the step's email to each address (idempotency key per invoice, step or `key`,
    and address) and note on `send` whom it went to."""
    key = key or str(step.id)
    values = reminder_values(invoice, client, agency, step)
    rendered = render_reminder(step.subject_template, step.body_template, values)
    reply_to = _reply_to(agency)
    first = None
    for address in addresses:
        email = queue_email(
            db.session,
            key=f"reminder:{invoice.id}:{key}:{_address_key(address)}",
            to=address,
            locale=invoice.locale or client.locale,
            subject=rendered.subject,
            template="invoice_reminder",
            context={
                "body_text": rendered.text,
                "body_html": rendered.html,
                "invoice_link": values["invoice_link"],
                "agency_name": agency.name,
            },
            agency_id=agency.id,
            from_name=agency.name,
            reply_to=reply_to,
        )
        first = first or email
    send.recipients = addresses
    send.email_id = first.id if first is not None else None
    db.session.flush()


def _tell_owners(invoice: Invoice, client: Client, agency: Agency, send: ReminderSend) -> None:
    """After the ladder's last step, each owner is told once per invoice (unique key), in
    their own language, with the amount written as their locale writes money."""
    owners = db.session.execute(
        sa.select(User.id, User.email, User.name, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "owner", Membership.status == "active")
        .order_by(Membership.id)
    ).all()
    for user_id, address, name, locale in owners:
        key = f"reminders-exhausted:{invoice.id}:{user_id}"
        if db.session.scalar(
            sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)
        ):
            continue
        queue_email(
            db.session,
            key=key,
            to=address,
            locale=locale,
            subject=lazy_gettext(
                "Last reminder sent for invoice %(number)s (%(client)s)",
                number=invoice.number,
                client=client.name,
            )
            if send.status == "sent"
            else lazy_gettext(
                "Last reminder due for invoice %(number)s (%(client)s)",
                number=invoice.number,
                client=client.name,
            ),
            template="owner_reminders_exhausted",
            context={
                "owner_name": name,
                "invoice_number": invoice.number,
                "client_name": client.name,
                "amount_due": format_money(invoice.balance_minor, invoice.currency, locale),
                "sent": send.status == "sent",
                # Stored in English; the owner reads it in their language.
                "reason": LazyString(gettext, send.reason) if send.reason else None,
                "recipients": send.recipients or [],
                "link": invoice_link(agency.slug, invoice.id),
                "agency_name": agency.name,
            },
            agency_id=agency.id,
            notice="receivables",
            from_name="Baton",
        )
