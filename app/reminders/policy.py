"""Who may do what with payment reminders: pure rules, no database and no Flask.

Owners run the reminder ladder and decide when a client is chased (pause, resume, dispute);
managers see the reminder history of invoices; nobody else sees reminders at all.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor


def can_edit_ladder(actor: Actor) -> bool:
    return actor.role == "owner"


def can_see_ladder(actor: Actor) -> bool:
    return actor.role in ("owner", "manager")


def can_see_reminders(actor: Actor, invoice: Any = None) -> bool:
    return actor.role in ("owner", "manager")


def can_pause_reminders(actor: Actor, target: Any = None) -> bool:
    """Pause or resume reminders of an invoice or a client, or flag a dispute."""
    return actor.role == "owner"


CHASED_STATUSES = ("issued", "sent", "partially_paid")


def reminder_block_reason(
    invoice: Any, *, client_paused: bool, agency_enabled: bool, by_hand: bool = False
) -> str | None:
    """Why no reminder may go to this invoice now, or None when one may.

    Never to a draft, paid or void invoice, a credit note, one with nothing left to pay, a
    disputed one, or while reminders are paused for the invoice, its client or the agency.
    A reminder sent by hand (`by_hand`) is a person's deliberate choice: pauses and the
    agency's switch stop only the automatic ladder, everything else still applies.
    """
    if invoice.kind != "invoice":
        return "Credit notes are not chased."
    if invoice.status == "draft":
        return "Drafts are not sent, so they are not chased."
    if invoice.status == "paid":
        return "Paid."
    if invoice.status == "void":
        return "Void."
    if invoice.status not in CHASED_STATUSES:
        return f"Not chased in status {invoice.status}."
    if invoice.balance_minor <= 0:
        return "Nothing left to pay."
    if invoice.due_date is None:
        return "No due date."
    if invoice.disputed:
        return "Disputed: no reminders until the dispute is cleared."
    if by_hand:
        return None
    if invoice.reminders_paused:
        return "Reminders are paused for this invoice."
    if client_paused:
        return "Reminders are paused for this client."
    if not agency_enabled:
        return "Reminders are turned off for the agency."
    return None
