"""Pure permission rules of the accountants' exports.

The exports hold every client's invoices, payments and everyone's approved time: owners and
managers only (the people who already see the invoices list and the receivables).
"""

from __future__ import annotations

from app.core.permissions import Actor


def can_export_ledger(actor: Actor) -> bool:
    return actor.is_manager
