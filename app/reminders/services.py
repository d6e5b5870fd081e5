"""Payment reminders: the agency's ladder, pauses, and what an invoice's reminders look like.

Every agency has a ladder of steps (days relative to the due date). An agency that never
touched its ladder gets `DEFAULT_LADDER`, installed the first time it is needed: by the
sweep for an agency with invoices to chase, or by the first change an owner makes. Reading
the settings page never writes; it shows the defaults until they are saved. A ladder keeps
at least one step (turn reminders off for the agency to stop them all), so "no steps" always
means "never installed".

Services take the actor, flush and never commit; each change is audited. The sweep that
sends reminders lives in `sweep.py`; the send time rules in `schedule.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from werkzeug.exceptions import NotFound

from app.audit.services import changed, record, snapshot
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.mail import OutboundEmail
from app.core.money import format_money
from app.core.permissions import Actor
from app.core.timezones import short_in_zone
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.queries import invoice_settings
from app.reminders.messages import format_due_date
from app.reminders.models import ReminderSend, ReminderStep
from app.reminders.policy import reminder_block_reason
from app.reminders.schedule import (
    days_overdue,
    days_until_due,
    send_at,
    step_date,
    zone_or_utc,
)
from app.users.models import User

STEP_FIELDS = ("offset_days", "subject_template", "body_template", "active")

_SIGNATURE = "\n\nThank you,\n{{ agency_name }}"
DEFAULT_LADDER: tuple[tuple[int, str, str], ...] = (
    (
        -3,
        "Invoice {{ invoice_number }} is due on {{ due_date }}",
        "Hello {{ client_name }},\n\nA friendly note that invoice {{ invoice_number }} for "
        "{{ amount_due }} is due on {{ due_date }}.\n\nYou can view it here: {{ invoice_link }}"
        + _SIGNATURE,
    ),
    (
        0,
        "Invoice {{ invoice_number }} is due today",
        "Hello {{ client_name }},\n\nInvoice {{ invoice_number }} for {{ amount_due }} is due "
        "today. If it is already on its way, thank you, and please ignore this message.\n\n"
        "View the invoice: {{ invoice_link }}" + _SIGNATURE,
    ),
    (
        7,
        "Invoice {{ invoice_number }} is {{ days_overdue }} days overdue",
        "Hello {{ client_name }},\n\nOur records show {{ amount_due }} still open on invoice "
        "{{ invoice_number }}, which was due on {{ due_date }}. Could you let us know when we "
        "can expect payment?\n\nView the invoice: {{ invoice_link }}" + _SIGNATURE,
    ),
    (
        14,
        "Second reminder: invoice {{ invoice_number }} is overdue",
        "Hello {{ client_name }},\n\nInvoice {{ invoice_number }} ({{ amount_due }}) is now "
        "{{ days_overdue }} days past its due date of {{ due_date }}. Please arrange payment, "
        "or reply to this email if something is holding it up.\n\n"
        "View the invoice: {{ invoice_link }}" + _SIGNATURE,
    ),
    (
        30,
        "Final reminder: invoice {{ invoice_number }}",
        "Hello {{ client_name }},\n\nThis is our final reminder about invoice "
        "{{ invoice_number }}: {{ amount_due }} has been outstanding since {{ due_date }} "
        "({{ days_overdue }} days). Please pay it now or contact us to agree a plan.\n\n"
        "View the invoice: {{ invoice_link }}" + _SIGNATURE,
    ),
)


# --- the ladder -------------------------------------------------------------------------------


def ladder_steps() -> list[ReminderStep]:
    """The current agency's steps, earliest first (empty if never installed)."""
    return list(db.session.scalars(sa.select(ReminderStep).order_by(ReminderStep.offset_days)))


def default_steps() -> list[ReminderStep]:
    """Unsaved steps of the default ladder, for showing before it is installed."""
    return [
        ReminderStep(offset_days=o, subject_template=s, body_template=b, active=True)
        for o, s, b in DEFAULT_LADDER
    ]


def ensure_ladder(actor: Actor | None = None) -> list[ReminderStep]:
    """The current agency's steps, installing the default ladder first if it has none.
    Concurrent installs collide on the (agency, offset) key: the loser's transaction fails
    and its caller retries or gives up (the sweep simply moves on)."""
    steps = ladder_steps()
    if steps:
        return steps
    steps = default_steps()
    db.session.add_all(steps)
    db.session.flush()
    if actor is not None:
        record(
            actor,
            "reminders.ladder_installed",
            steps[0],
            summary="Default reminder ladder installed",
            after={"offsets": [s.offset_days for s in steps]},
        )
    return steps


def sends_per_step() -> dict[int, int]:
    """How many invoices each step of the current agency has been recorded for."""
    rows = db.session.execute(
        sa.select(ReminderSend.step_id, sa.func.count()).group_by(ReminderSend.step_id)
    )
    return {step_id: n for step_id, n in rows}


def reminders_enabled() -> bool:
    """The agency's switch (on unless an owner turned it off in the invoice settings)."""
    return bool(invoice_settings().reminders_enabled)


def get_step_or_404(actor: Actor, step_id: int) -> ReminderStep:
    step = db.session.scalar(sa.select(ReminderStep).where(ReminderStep.id == step_id))
    if step is None:
        raise NotFound("No such reminder step.")
    return step


def _check_offset_free(offset: int, step_id: int | None = None) -> None:
    taken = db.session.scalar(
        sa.select(ReminderStep.id).where(
            ReminderStep.offset_days == offset,
            ReminderStep.id != (step_id or 0),
        )
    )
    if taken is not None:
        raise ValidationFailed(
            {"offset_days": [_("The ladder already has a step at %(offset)s.", offset=offset)]}
        )


def create_step(actor: Actor, data: dict) -> ReminderStep:
    ensure_ladder(actor)
    _check_offset_free(data["offset_days"])
    step = ReminderStep(**{k: v for k, v in data.items() if k in STEP_FIELDS})
    db.session.add(step)
    db.session.flush()
    record(
        actor,
        "reminders.step_created",
        step,
        summary=f"Reminder step {label_offset(step.offset_days)} added",
        after=snapshot(step, STEP_FIELDS),
    )
    return step


def update_step(actor: Actor, step: ReminderStep, data: dict) -> ReminderStep:
    if "offset_days" in data and data["offset_days"] != step.offset_days:
        _check_offset_free(data["offset_days"], step.id)
    if data.get("active") is False and step.active:
        _check_not_last_active(step)
    before = snapshot(step, STEP_FIELDS)
    for key, value in data.items():
        if key in STEP_FIELDS:
            setattr(step, key, value)
    b, a = changed(before, snapshot(step, STEP_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "reminders.step_updated",
            step,
            summary=f"Reminder step {label_offset(step.offset_days)} changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return step


def _check_not_last_active(step: ReminderStep) -> None:
    others = db.session.scalar(
        sa.select(sa.func.count()).where(ReminderStep.active, ReminderStep.id != step.id)
    )
    if not others:
        raise Conflict(
            _(
                "This is the ladder's only active step. To stop all reminders, turn reminders "
                "off for the agency instead."
            )
        )


def delete_step(actor: Actor, step: ReminderStep) -> None:
    """Remove a step that never went out; steps with history can only be turned off."""
    used = db.session.scalar(sa.select(sa.func.count()).where(ReminderSend.step_id == step.id))
    if used:
        raise Conflict(
            ngettext(
                "This step is in the reminder history of %(num)d invoice; turn it off instead "
                "of removing it.",
                "This step is in the reminder history of %(num)d invoices; turn it off instead "
                "of removing it.",
                used,
            )
        )
    remaining = db.session.scalar(sa.select(sa.func.count()).where(ReminderStep.id != step.id))
    if not remaining:
        raise Conflict(_("A ladder keeps at least one step; turn reminders off instead."))
    if step.active:
        _check_not_last_active(step)
    record(
        actor,
        "reminders.step_deleted",
        step,
        summary=f"Reminder step {label_offset(step.offset_days)} removed",
        before=snapshot(step, STEP_FIELDS),
    )
    db.session.delete(step)
    db.session.flush()


def label_offset(offset: int) -> str:
    """'3 days before due', 'on the due date', '7 days after due'."""
    if offset == 0:
        return "on the due date"
    days = abs(offset)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {'before' if offset < 0 else 'after'} due"


# --- what goes into a reminder ------------------------------------------------------------


def invoice_link(agency_slug: str, invoice_id: int) -> str:
    """The invoice's page (`/<agency_slug>/invoices/<id>`), absolute (emails leave the app)."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return f"{base}/{agency_slug}/invoices/{invoice_id}"


def reminder_values(invoice: Invoice, client: Client, agency, step: ReminderStep) -> dict:
    """The documented template variables for one invoice and step."""
    day = step_date(invoice.due_date, step.offset_days)
    locale = invoice.locale or client.locale or "en"
    return {
        "client_name": client.name,
        "invoice_number": invoice.number or "",
        "amount_due": format_money(invoice.balance_minor, invoice.currency, locale),
        "due_date": format_due_date(invoice.due_date, locale),
        "days_overdue": days_overdue(invoice.due_date, day),
        "days_until_due": days_until_due(invoice.due_date, day),
        "invoice_link": invoice_link(agency.slug, invoice.id),
        "agency_name": agency.name,
    }


# --- an invoice's reminders, for its page and the API -----------------------------------


@dataclass
class HistoryEntry:
    id: int
    step_id: int | None  # None: sent by hand
    offset_days: int
    step_label: str
    status: str
    reason: str | None
    due_at: dt.datetime
    created_at: dt.datetime
    recipients: list[str]
    email_status: str | None
    kind: str = "ladder"  # or "manual"
    sent_by: str | None = None  # who sent it by hand


@dataclass
class NextReminder:
    step_id: int
    offset_days: int
    step_label: str
    due_at: dt.datetime
    local_time: str
    time_zone: str
    overdue: bool


@dataclass
class InvoiceReminders:
    invoice_id: int
    paused: bool
    client_paused: bool
    disputed: bool
    agency_enabled: bool
    blocked_reason: str | None
    next: NextReminder | None
    history: list[HistoryEntry] = field(default_factory=list)


def invoice_reminders(invoice: Invoice, now: dt.datetime | None = None) -> InvoiceReminders:
    """History (sent and skipped, when, to whom) and the next planned step of an invoice."""
    now = now or utcnow()
    client_paused = bool(
        db.session.scalar(sa.select(Client.reminders_paused).where(Client.id == invoice.client_id))
    )
    enabled = reminders_enabled()
    blocked = reminder_block_reason(invoice, client_paused=client_paused, agency_enabled=enabled)
    steps = ladder_steps() or default_steps()
    by_id = {s.id: s for s in steps if s.id is not None}
    rows = db.session.execute(
        sa.select(ReminderSend, OutboundEmail.status, User.name)
        .outerjoin(OutboundEmail, OutboundEmail.id == ReminderSend.email_id)
        .outerjoin(User, User.id == ReminderSend.sent_by_id)
        .where(ReminderSend.invoice_id == invoice.id)
        .order_by(ReminderSend.due_at, ReminderSend.id)
    ).all()
    history = []
    for send, email_status, sender in rows:
        step = by_id.get(send.step_id)
        manual = send.kind == "manual"
        if manual:
            local = send.due_at.astimezone(zone_or_utc(invoice.client_time_zone)).date()
            offset = (local - invoice.due_date).days if invoice.due_date else 0
        else:
            offset = step.offset_days if step is not None else 0
        history.append(
            HistoryEntry(
                id=send.id,
                step_id=send.step_id,
                offset_days=offset,
                step_label=f"By hand ({label_offset(offset)})" if manual else label_offset(offset),
                status=send.status,
                reason=send.reason,
                due_at=send.due_at,
                created_at=send.created_at,
                recipients=list(send.recipients or []),
                email_status=email_status,
                kind=send.kind,
                sent_by=sender if manual else None,
            )
        )
    upcoming = None if blocked else _next_step(invoice, steps, history, now)
    return InvoiceReminders(
        invoice_id=invoice.id,
        paused=bool(invoice.reminders_paused),
        client_paused=client_paused,
        disputed=bool(invoice.disputed),
        agency_enabled=enabled,
        blocked_reason=blocked,
        next=upcoming,
        history=history,
    )


def _next_step(
    invoice: Invoice, steps: list[ReminderStep], history: list[HistoryEntry], now: dt.datetime
) -> NextReminder | None:
    """The step the sweep will send next: the latest one already due (after an outage only
    that one goes), else the first one still ahead; steps before one already sent, or
    scheduled before the invoice was issued, are skipped, as the sweep skips them."""
    ladder = [h for h in history if h.kind != "manual"]  # sending by hand does not move it
    recorded = {h.step_id for h in ladder}
    sent_offsets = [h.offset_days for h in ladder if h.status == "sent"]
    floor = max(sent_offsets) if sent_offsets else None
    zone = invoice.client_time_zone
    candidates = []
    for step in steps:
        if not step.active or (step.id is not None and step.id in recorded):
            continue
        if floor is not None and step.offset_days <= floor:
            continue
        at = send_at(invoice.due_date, step.offset_days, zone)
        if invoice.issued_at is not None and at <= invoice.issued_at:
            continue
        candidates.append((at, step))
    if not candidates:
        return None
    due = [c for c in candidates if c[0] <= now]
    at, step = max(due, key=lambda c: c[0]) if due else min(candidates, key=lambda c: c[0])
    return NextReminder(
        step_id=step.id or 0,
        offset_days=step.offset_days,
        step_label=label_offset(step.offset_days),
        due_at=at,
        local_time=short_in_zone(at, zone),
        time_zone=zone,
        overdue=bool(due),
    )
