"""Pure permission rules of invoices, payments, tax rates, retainers and invoice settings.

Money is for owners and managers, and for a client contact about their own client's
issued invoices; VAs and QA see no money at all. Seeing an invoice is decided by
`queries.visible_invoices`; these rules decide what a viewer who can see it may do. The
state rules (a draft only, not void, ...) live in the services, which explain refusals.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor

MONEY_ROLES = ("owner", "manager", "client")


def can_see_invoices(actor: Actor | None) -> bool:
    return actor is not None and actor.role in MONEY_ROLES


def can_create_invoice(actor: Actor) -> bool:
    return actor.is_manager


def can_edit_invoice(actor: Actor, invoice: Any) -> bool:
    """Edit a draft's header and lines, delete a draft."""
    return actor.is_manager


def can_issue_invoice(actor: Actor, invoice: Any) -> bool:
    return actor.is_manager


def can_send_invoice(actor: Actor, invoice: Any) -> bool:
    return actor.is_manager


def can_void_invoice(actor: Actor, invoice: Any) -> bool:
    return actor.is_manager


def can_credit_invoice(actor: Actor, invoice: Any) -> bool:
    return actor.is_manager


def can_flag_invoice(actor: Actor, invoice: Any) -> bool:
    """Flag a dispute, pause reminders."""
    return actor.is_manager


def can_send_reminder_now(actor: Actor, invoice: Any) -> bool:
    """Chase an invoice by hand (owners and managers, as for pausing and disputes)."""
    return actor.is_manager


def can_record_payment(actor: Actor, invoice: Any) -> bool:
    return actor.is_manager


def can_delete_payment(actor: Actor, payment: Any) -> bool:
    """Removing a wrongly recorded payment rewrites what the client owes: owners only."""
    return actor.role == "owner"


def can_see_receivables(actor: Actor) -> bool:
    return actor.is_manager


def can_export_invoices(actor: Actor) -> bool:
    return actor.is_manager


def can_manage_invoice_settings(actor: Actor) -> bool:
    """Numbering, rounding and tax rates shape every invoice: owners only."""
    return actor.role == "owner"


def can_waive_deposit(actor: Actor, client: Any) -> bool:
    """Letting a client's work start before its deposit is paid: owners only."""
    return actor.role == "owner"


def can_manage_billing(actor: Actor, client: Any) -> bool:
    """A client's billing page: retainers, deposit invoices, reminder pause."""
    return actor.is_manager
