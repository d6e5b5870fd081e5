"""A payment reminder sent by hand ("Send a reminder now" on the invoice page and the API).

The same email as the ladder's, written with the template of the step the invoice has
reached (the latest step whose date has passed, or the first one before the due date),
with "days overdue" counted to today in the client's zone. The same rules as the sweep,
checked under the invoice's row lock: never to a draft, paid or void invoice, a credit note,
one with nothing left to pay, or a disputed one. Pauses and the agency's switch stop only
the automatic ladder; a person asking is deliberate. At most one per invoice and
client-local day (a unique key), so a double click or two people at once send one email.
The ladder carries on as planned: a reminder sent by hand does not move it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Conflict
from app.core.permissions import Actor
from app.core.timezones import short_in_zone
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.models import Invoice
from app.reminders.models import ReminderSend, ReminderStep
from app.reminders.policy import reminder_block_reason
from app.reminders.schedule import send_at, zone_or_utc
from app.reminders.services import default_steps, ladder_steps, reminders_enabled
from app.reminders.sweep import (
    lock_invoice_for_reminder,
    queue_reminder,
    reminder_recipients,
)
from app.reminders.texts import block_reason_text


def template_step(invoice: Invoice, now: dt.datetime) -> ReminderStep:
    """The ladder step whose wording fits the invoice now: the latest active step whose send
    time has passed, else the first active one (e.g. "due in 3 days")."""
    steps = [s for s in (ladder_steps() or default_steps()) if s.active] or default_steps()
    zone = invoice.client_time_zone
    passed = [s for s in steps if send_at(invoice.due_date, s.offset_days, zone) <= now]
    return passed[-1] if passed else steps[0]


def send_reminder_now(
    actor: Actor, invoice: Invoice, now: dt.datetime | None = None
) -> ReminderSend:
    """Record and queue a reminder by hand for `invoice` (of the current agency). Raises
    Conflict with the reason when none may go out. Flushes; the caller commits."""
    now = now or utcnow()
    locked = lock_invoice_for_reminder(invoice.id)
    if locked is None:  # deleted meanwhile
        raise Conflict(_("This invoice no longer exists."))
    client = db.session.scalar(
        sa.select(Client)
        .where(Client.id == locked.client_id)
        .execution_options(populate_existing=True)
    )
    blocked = reminder_block_reason(
        locked, client_paused=client.reminders_paused, agency_enabled=reminders_enabled(),
        by_hand=True,
    )  # fmt: skip
    if blocked:
        raise Conflict(
            _("No reminder can go to this invoice: %(reason)s", reason=block_reason_text(blocked))
        )
    addresses = reminder_recipients(client)
    if not addresses:
        raise Conflict(_("No contact of the client has an email address."))
    today = now.astimezone(zone_or_utc(locked.client_time_zone)).date()
    earlier = db.session.scalar(
        sa.select(ReminderSend).where(
            ReminderSend.invoice_id == locked.id, ReminderSend.manual_day == today
        )
    )
    if earlier is not None:
        raise Conflict(_already_today(_when(earlier, locked)))
    base = template_step(locked, now)
    # The chosen step's wording, with "days overdue" counted to today.
    wording = ReminderStep(
        offset_days=(today - locked.due_date).days,
        subject_template=base.subject_template,
        body_template=base.body_template,
        active=True,
    )
    send = ReminderSend(
        agency_id=locked.agency_id,
        invoice_id=locked.id,
        step_id=None,
        kind="manual",
        manual_day=today,
        sent_by_id=actor.user_id,
        due_at=now,
        status="sent",
    )
    try:
        with db.session.begin_nested():
            db.session.add(send)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_already_today(_("just now"))) from None
    agency = db.session.get(Agency, locked.agency_id)
    queue_reminder(locked, client, agency, wording, send, addresses, key=f"manual:{today}")
    record(
        actor,
        "invoice.reminder_sent",
        locked,
        summary=f"Reminder sent by hand for invoice {locked.number} to {', '.join(addresses)}",
    )
    return send


def _already_today(when: str) -> str:
    return _("A reminder was already sent by hand today (the client's day): %(when)s.", when=when)


def _when(send: ReminderSend, invoice: Invoice) -> str:
    return short_in_zone(send.due_at, invoice.client_time_zone)
