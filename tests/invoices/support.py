"""Helpers of the invoice tests: drafts with lines through the services, and reading a row
back as committed."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices.lines import add_line
from app.invoices.models import Invoice, TaxRate
from app.invoices.services import create_invoice, issue_invoice
from app.invoices.settings import create_tax_rate


def tax_rate(actor: Actor, percent: str = "20", inclusive: bool = False, name: str = "VAT"):
    return create_tax_rate(
        actor, {"name": name, "rate_percent": Decimal(percent), "inclusive": inclusive}
    )


def draft(actor: Actor, client, *lines: tuple, **values) -> Invoice:
    """A draft for `client` with lines (description, quantity, unit price minor[, tax rate
    object[, discount percent]])."""
    invoice = create_invoice(actor, {"client_id": client.id, **values})
    for line in lines:
        description, quantity, price, *rest = line
        data = {
            "description": description,
            "quantity": Decimal(str(quantity)),
            "unit_price_minor": price,
            "discount_percent": Decimal(str(rest[1])) if len(rest) > 1 else Decimal(0),
            "tax_rate_id": rest[0].id if rest and rest[0] is not None else None,
        }
        add_line(actor, invoice, data)
    return invoice


def issued(actor: Actor, client, *lines: tuple, **values) -> Invoice:
    invoice = draft(actor, client, *lines, **values)
    return issue_invoice(actor, invoice)


def fresh(model, obj_id: int):
    """A fresh copy of a row (not the stale one in the test's identity map)."""
    with all_tenants():
        return db.session.scalar(
            sa.select(model).where(model.id == obj_id).execution_options(populate_existing=True)
        )


__all__ = ["TaxRate", "draft", "fresh", "issued", "tax_rate"]
