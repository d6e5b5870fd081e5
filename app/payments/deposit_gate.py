"""The deposit gate: where a client's terms ask for a deposit, a new engagement's work does not
start until the deposit invoice is paid.

"New engagement" means no work item of the client has started yet. The gate holds while the
client's deposit percentage is above zero, none of its deposit invoices is paid, no item has
started and no owner has waived the deposit (`DepositWaiver`, with a reason, audited). Once
an item has started (after payment or a waiver), the rest of the engagement goes on freely:
the gate never stops work half-way. Work itself knows nothing of billing; this module
registers a start guard with `app.work.start_guards` at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.audit.services import record
from app.clients.models import Client
from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import format_number
from app.core.money import format_money
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.models import Invoice
from app.payments.models import DepositWaiver
from app.work.models import WorkItem
from app.work.start_guards import register_start_guard

OPEN_STATUSES = ("issued", "sent", "partially_paid")
REASON_MAX = 2000


@dataclass(frozen=True)
class DepositHold:
    """Why a client's work waits: its deposit invoice (None before one is issued)."""

    client_id: int
    client_name: str
    percent: int
    invoice_id: int | None = None
    number: str | None = None
    balance_minor: int | None = None
    currency: str | None = None

    @property
    def balance(self) -> str | None:
        if self.balance_minor is None or self.currency is None:
            return None
        return format_money(self.balance_minor, self.currency, None)


def _exists(query: sa.Select) -> bool:
    return bool(db.session.scalar(sa.select(query.exists())))


def deposit_hold(client: Client) -> DepositHold | None:
    """The hold on the client's work, or None when its work may start."""
    if (client.deposit_percent or 0) <= 0:
        return None
    if _exists(sa.select(DepositWaiver.id).where(DepositWaiver.client_id == client.id)):
        return None
    deposits = sa.select(Invoice).where(
        Invoice.client_id == client.id, Invoice.is_deposit.is_(True), Invoice.kind == "invoice"
    )
    if _exists(deposits.where(Invoice.status == "paid").with_only_columns(Invoice.id)):
        return None
    started = sa.select(WorkItem.id).where(
        WorkItem.client_id == client.id, WorkItem.started_at.is_not(None)
    )
    if _exists(started):
        return None
    invoice = db.session.scalar(
        deposits.where(Invoice.status.in_(OPEN_STATUSES)).order_by(
            Invoice.issue_date.desc(), Invoice.id.desc()
        )
    )
    if invoice is None:
        return DepositHold(client.id, client.name, client.deposit_percent)
    return DepositHold(
        client.id,
        client.name,
        client.deposit_percent,
        invoice_id=invoice.id,
        number=invoice.number,
        balance_minor=invoice.total_minor - invoice.paid_minor - invoice.credited_minor,
        currency=invoice.currency,
    )


def hold_sentence(hold: DepositHold) -> str:
    """The team's sentence: why the work cannot start and what lifts the hold."""
    if hold.number:
        return _(
            "Work for %(client)s starts once its deposit invoice %(number)s is paid "
            "(%(balance)s due), or when an owner waives the deposit.",
            client=hold.client_name,
            number=hold.number,
            balance=hold.balance,
        )
    return _(
        "Work for %(client)s starts once its %(percent)s %% deposit is paid: no deposit "
        "invoice has been issued yet. An owner may waive the deposit.",
        client=hold.client_name,
        percent=format_number(hold.percent),
    )


def client_sentence(hold: DepositHold) -> str:
    """The client's sentence in the portal: why their work has not started yet."""
    if hold.number:
        return _(
            "Our work starts once your deposit invoice %(number)s is paid (%(balance)s due).",
            number=hold.number,
            balance=hold.balance,
        )
    return _(
        "Our work starts once your %(percent)s %% deposit is paid: the deposit invoice is on "
        "its way.",
        percent=format_number(hold.percent),
    )


def _guard(item: WorkItem) -> str | None:
    client = db.session.get(Client, item.client_id)
    hold = deposit_hold(client) if client is not None else None
    return hold_sentence(hold) if hold else None


def register_deposit_gate() -> None:
    register_start_guard(_guard)


def deposit_waiver(client: Client) -> DepositWaiver | None:
    return db.session.scalar(sa.select(DepositWaiver).where(DepositWaiver.client_id == client.id))


def waive_deposit(actor: Actor, client: Client, reason: str | None) -> DepositWaiver:
    """An owner lets the client's work start before the deposit is paid, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the work may start without the deposit.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            {"reason": [_("At most %(max)d characters.", max=REASON_MAX)]}  # noqa: RUF027
        )
    if deposit_waiver(client) is not None:
        raise Conflict(_("The deposit of %(client)s is already waived.", client=client.name))
    waiver = DepositWaiver(client_id=client.id, reason=reason, waived_by_id=actor.user_id)
    db.session.add(waiver)
    db.session.flush()
    record(
        actor,
        "client.deposit_waived",
        client,
        summary=f"Deposit of {client.name} waived",
        after={"reason": reason},
    )
    return waiver


def withdraw_deposit_waiver(actor: Actor, client: Client) -> None:
    """The owner takes the waiver back: work not yet started waits for the deposit again."""
    waiver = deposit_waiver(client)
    if waiver is None:
        raise Conflict(_("The deposit of %(client)s is not waived.", client=client.name))
    reason = waiver.reason
    db.session.delete(waiver)
    db.session.flush()
    record(
        actor,
        "client.deposit_waiver_withdrawn",
        client,
        summary=f"Deposit waiver of {client.name} withdrawn",
        before={"reason": reason},
    )
