"""Write side of invoices: drafts, issuing, sending, voiding, credit notes, flags, deposits.

Lifecycle: draft (no number) -> issued -> sent (the PDF email went out: `mark_sent`) ->
partially_paid -> paid (see `payments.settle`); void keeps its number and takes no more
payments. Issued invoices are immutable; corrections are credit notes in their own series
(`CN-...`), whose amounts reduce the credited invoice's balance.

Services take the actor explicitly, flush but never commit, record an audit event for every
change, and write their jobs into the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa

from app.agencies.models import Agency
from app.audit.services import changed, record, snapshot
from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.jobs import enqueue_job
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.line_sources import release_taken
from app.invoices.lines import (
    DOES_NOT_EXIST,
    label,
    lock_invoice,
    money_of,
    refresh_totals,
    require_draft,
    settle,
    shown_label,
)
from app.invoices.models import Invoice
from app.invoices.numbering import agency_year, allocate, format_number
from app.invoices.queries import invoice_settings

RENDER_AND_SEND = "app.documents.services.render_and_send"
INVOICE_FIELDS = (
    "client_id",
    "kind",
    "number",
    "status",
    "currency",
    "locale",
    "client_time_zone",
    "rounding",
    "period_label",
    "issue_date",
    "due_date",
    "net_days",
    "is_deposit",
    "deposit_invoice_id",
    "credited_invoice_id",
    "subtotal_minor",
    "tax_minor",
    "total_minor",
    "paid_minor",
    "credited_minor",
    "rate_to_base",
    "notes",
    "disputed",
    "reminders_paused",
)
EDITABLE_FIELDS = ("net_days", "period_label", "notes", "locale")


def system_actor(agency_id: int) -> Actor:
    """Who acts in jobs (retainer drafts, the PDF job): the agency itself, no person."""
    return Actor(user=None, agency=db.session.get(Agency, agency_id), via="job")


# --- drafts --------------------------------------------------------------------------------


def _resolve_client(client_id: int | None, errors: dict) -> Client | None:
    client = db.session.scalar(sa.select(Client).where(Client.id == client_id))
    if client is None:
        errors["client_id"] = [DOES_NOT_EXIST]
    elif client.archived_at is not None:
        errors["client_id"] = [
            _("%(client)s is archived; restore the client first.", client=client.name)
        ]
    return client


def new_draft(client: Client, *, currency: str | None = None, **values: object) -> Invoice:
    """A draft for the client with its terms (currency, locale, zone, net days) and the
    agency's rounding rule recorded on it; added to the session, not flushed."""
    settings = invoice_settings()
    invoice = Invoice(
        client_id=client.id,
        kind="invoice",
        status="draft",
        currency=currency or client.currency,
        locale=client.locale or "en",
        client_time_zone=client.time_zone,
        rounding=settings.rounding,
        net_days=client.net_days,
        subtotal_minor=0,
        tax_minor=0,
        total_minor=0,
        paid_minor=0,
        credited_minor=0,
    )
    for key, value in values.items():
        if value is not None:
            setattr(invoice, key, value)
    invoice.client = client
    db.session.add(invoice)
    return invoice


def create_invoice(actor: Actor, data: dict) -> Invoice:
    """A draft invoice for a client (currency, locale and terms default to the client's)."""
    errors: dict = {}
    client = _resolve_client(data.get("client_id"), errors)
    if errors:
        raise ValidationFailed(errors)
    invoice = new_draft(
        client,
        currency=data.get("currency"),
        net_days=data.get("net_days"),
        period_label=data.get("period_label"),
        notes=data.get("notes"),
        locale=data.get("locale"),
        created_by_id=actor.user_id,
    )
    db.session.flush()
    record(
        actor,
        "invoice.created",
        invoice,
        summary=f"Draft invoice for {client.name} created",
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice


def update_invoice(actor: Actor, invoice: Invoice, data: dict) -> Invoice:
    """Change a draft's terms, period and notes."""
    lock_invoice(invoice)
    require_draft(invoice)
    before = snapshot(invoice, INVOICE_FIELDS)
    for key, value in data.items():
        if key in EDITABLE_FIELDS and (value is not None or key in ("period_label", "notes")):
            setattr(invoice, key, value)
    b, a = changed(before, snapshot(invoice, INVOICE_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "invoice.updated",
            invoice,
            summary=f"Draft changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return invoice


def delete_invoice(actor: Actor, invoice: Invoice) -> None:
    """Delete a draft (it has no number yet, so nothing is lost from the series)."""
    lock_invoice(invoice)
    if invoice.status != "draft":
        raise Conflict(
            _(
                "%(invoice)s has a number and can't be deleted; void it instead.",
                invoice=shown_label(invoice),
            )
        )
    record(
        actor,
        "invoice.deleted",
        invoice,
        summary="Draft invoice deleted",
        before=snapshot(invoice, INVOICE_FIELDS),
    )
    release_taken(invoice)
    db.session.delete(invoice)
    db.session.flush()


# --- issuing and sending -------------------------------------------------------------------


def _assign_number(actor: Actor, invoice: Invoice, now: dt.datetime) -> str:
    settings = invoice_settings()
    series = invoice.kind
    fmt = (
        settings.invoice_number_format
        if series == "invoice"
        else settings.credit_note_number_format
    )
    year = agency_year(actor.agency.time_zone, now)
    seq = allocate(series, year if settings.restart_yearly else 0)
    number = format_number(fmt, year, seq)
    taken = db.session.scalar(
        sa.select(Invoice.id).where(Invoice.kind == series, Invoice.number == number)
    )
    if taken is not None:
        raise Conflict(
            _(
                "The next number, %(number)s, is already used; change the number format in the "
                "invoice settings.",
                number=number,
            )
        )
    return number


def enqueue_send(invoice: Invoice, dedupe: str) -> None:
    enqueue_job(
        db.session,
        RENDER_AND_SEND,
        label=f"Render and send {invoice.number}",
        queue="pdf",
        agency_id=invoice.agency_id,
        dedupe_key=f"invoice-send:{invoice.id}:{dedupe}",
        invoice_id=invoice.id,
        send=True,
    )


def stamp_issued(actor: Actor, invoice: Invoice, now: dt.datetime) -> None:
    invoice.number = _assign_number(actor, invoice, now)
    invoice.status = "issued"
    invoice.issued_at = now
    invoice.issue_date = today_in(invoice.client_time_zone, now)
    invoice.due_date = invoice.issue_date + dt.timedelta(days=invoice.net_days)


def issue_invoice(actor: Actor, invoice: Invoice, data: dict | None = None) -> Invoice:
    """Give a draft its number (in this transaction, from the locked counter), its issue
    and due dates (in the client's time zone) and enqueue rendering and sending its PDF."""
    data = data or {}
    rate = data.get("rate_to_base")
    lock_invoice(invoice)
    if invoice.status != "draft":
        raise Conflict(_("%(invoice)s is already issued.", invoice=shown_label(invoice)))
    if not invoice.lines:
        raise Conflict(_("Add at least one line before issuing."))
    refresh_totals(invoice)
    if invoice.total_minor < 0:
        raise Conflict(_("The total is negative; an invoice must be zero or more."))
    base = actor.agency.base_currency
    if rate is not None and invoice.currency == base and Decimal(rate) != 1:
        raise ValidationFailed(
            {
                "rate_to_base": [
                    _(
                        "The invoice is in %(currency)s, your base currency: leave it empty.",
                        currency=base,
                    )
                ]
            }
        )
    now = utcnow()
    stamp_issued(actor, invoice, now)
    invoice.rate_to_base = rate if invoice.currency != base else None
    settle(invoice, now)
    db.session.flush()
    record(
        actor,
        "invoice.issued",
        invoice,
        summary=f"{invoice.number} issued: {money_of(invoice, invoice.total_minor)}, "
        f"due {invoice.due_date.isoformat()}",
        before={"status": "draft", "number": None},
        after=snapshot(invoice, ("number", "status", "issue_date", "due_date", "total_minor")),
    )
    enqueue_send(invoice, "issue")
    return invoice


def send_invoice(actor: Actor, invoice: Invoice) -> Invoice:
    """'Send again': render the PDF once more and email it to the billing contacts."""
    if invoice.status in ("draft", "void"):
        raise Conflict(
            _("Issue this draft first; issuing sends it.")
            if invoice.status == "draft"
            else _("%(invoice)s is void; it is not sent any more.", invoice=shown_label(invoice))
        )
    enqueue_send(invoice, uuid.uuid4().hex)
    record(
        actor,
        "invoice.send_requested",
        invoice,
        summary=f"{label(invoice)} queued to be sent again",
    )
    db.session.flush()
    return invoice


def mark_sent(invoice_id: int, at: dt.datetime | None = None) -> Invoice | None:
    """Called by the PDF job when the invoice's email went out (tenant set by the job):
    issued -> sent; a later state (partly paid, paid) keeps its status, records the time."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.status in ("draft", "void"):
        return invoice
    lock_invoice(invoice)
    before = {"status": invoice.status, "sent_at": invoice.sent_at}
    invoice.sent_at = invoice.sent_at or at or utcnow()
    if invoice.status == "issued":
        invoice.status = "sent"
    if before["sent_at"] is None:
        db.session.flush()
        record(
            system_actor(invoice.agency_id),
            "invoice.sent",
            invoice,
            summary=f"{label(invoice)} emailed to the client",
            before=before,
            after={"status": invoice.status, "sent_at": invoice.sent_at},
        )
    return invoice


# --- void, credit notes, flags -------------------------------------------------------------


def void_invoice(actor: Actor, invoice: Invoice, data: dict | None = None) -> Invoice:
    """Void an issued invoice with nothing paid or credited on it; it keeps its number."""
    reason = (data or {}).get("reason") or None
    lock_invoice(invoice)
    if invoice.kind == "credit_note":
        raise Conflict(
            _("%(invoice)s can't be voided; credit notes are final.", invoice=shown_label(invoice))
        )
    if invoice.status == "draft":
        raise Conflict(_("A draft has no number to keep; delete it instead."))
    if invoice.status == "void":
        raise Conflict(_("%(invoice)s is already void.", invoice=shown_label(invoice)))
    if invoice.paid_minor:
        raise Conflict(
            _(
                "%(invoice)s has payments of %(amount)s; delete them first, or issue a credit "
                "note instead.",
                invoice=shown_label(invoice),
                amount=money_of(invoice, invoice.paid_minor),
            )
        )
    if invoice.credited_minor:
        raise Conflict(
            _("%(invoice)s has credit notes; it can't be voided.", invoice=shown_label(invoice))
        )
    before = {"status": invoice.status}
    invoice.status = "void"
    invoice.voided_at = utcnow()
    release_taken(invoice)
    db.session.flush()
    record(
        actor,
        "invoice.voided",
        invoice,
        summary=f"{label(invoice)} voided" + (f": {reason}" if reason else ""),
        before=before,
        after={"status": "void", "reason": reason},
    )
    return invoice


def _flag(actor: Actor, invoice: Invoice, name: str, value: bool, action: str) -> Invoice:
    lock_invoice(invoice)
    if invoice.status == "draft":
        raise Conflict(_("This is a draft; issue it first."))
    if getattr(invoice, name) == value:
        return invoice
    setattr(invoice, name, value)
    db.session.flush()
    record(
        actor,
        action,
        invoice,
        summary=f"{label(invoice)}: {name.replace('_', ' ')} {'on' if value else 'off'}",
        before={name: not value},
        after={name: value},
    )
    return invoice


def set_disputed(actor: Actor, invoice: Invoice, disputed: bool) -> Invoice:
    """Flag (or clear) a dispute: disputed invoices get no reminders."""
    return _flag(actor, invoice, "disputed", disputed, "invoice.dispute_flagged")


def set_reminders_paused(actor: Actor, invoice: Invoice, paused: bool) -> Invoice:
    return _flag(actor, invoice, "reminders_paused", paused, "invoice.reminders_paused")


def set_client_reminders_paused(actor: Actor, client: Client, paused: bool) -> Client:
    """Pause (or resume) payment reminders for every invoice of a client."""
    if client.reminders_paused == paused:
        return client
    client.reminders_paused = paused
    db.session.flush()
    record(
        actor,
        "client.reminders_paused",
        client,
        summary=f"Payment reminders for {client.name} {'paused' if paused else 'resumed'}",
        before={"reminders_paused": not paused},
        after={"reminders_paused": paused},
    )
    return client
