"""Write side of the agency's invoice settings and tax rates (owners).

Settings: number formats (validated: only `{year}` and `{seq}`), yearly restart, rounding
rule (recorded on each new invoice), the retainers' recurring day, reminders on/off. Tax
rates are snapshotted onto lines when used, so changing or retiring a rate never changes
an existing invoice.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.extensions import db
from app.invoices.models import InvoiceSettings, TaxRate
from app.invoices.numbering import format_problems
from app.invoices.queries import SETTINGS_DEFAULTS

SETTINGS_FIELDS = tuple(SETTINGS_DEFAULTS)
TAX_FIELDS = ("name", "rate", "inclusive", "active")


def update_invoice_settings(actor: Actor, data: dict) -> InvoiceSettings:
    row = db.session.scalar(sa.select(InvoiceSettings).with_for_update())
    current = row or InvoiceSettings(**SETTINGS_DEFAULTS)
    merged = {k: data.get(k, getattr(current, k)) for k in SETTINGS_FIELDS}
    errors: dict = {}
    for key in ("invoice_number_format", "credit_note_number_format"):
        problems = format_problems(merged[key], restart_yearly=merged["restart_yearly"])
        if problems:
            errors[key] = problems
    if errors:
        raise ValidationFailed(errors)
    if row is None:
        row = current
        db.session.add(row)
    before = snapshot(row, SETTINGS_FIELDS) if row in db.session and row.id else {}
    for key, value in merged.items():
        setattr(row, key, value)
    db.session.flush()
    b, a = changed(before, snapshot(row, SETTINGS_FIELDS))
    if a:
        record(
            actor,
            "invoice_settings.updated",
            row,
            summary=f"Invoice settings changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return row


def _rate_fraction(data: dict) -> dict:
    values = {k: data[k] for k in ("name", "inclusive", "active") if k in data}
    if data.get("rate_percent") is not None:
        values["rate"] = (Decimal(data["rate_percent"]) / 100).normalize()
    return values


def create_tax_rate(actor: Actor, data: dict) -> TaxRate:
    values = _rate_fraction(data)
    rate = TaxRate(
        name=values["name"],
        rate=values.get("rate", Decimal(0)),
        inclusive=values.get("inclusive", False),
        active=values.get("active", True),
    )
    db.session.add(rate)
    db.session.flush()
    record(
        actor,
        "tax_rate.created",
        rate,
        summary=f"Tax rate {rate.name} added",
        after=snapshot(rate, TAX_FIELDS),
    )
    return rate


def update_tax_rate(actor: Actor, rate: TaxRate, data: dict) -> TaxRate:
    """Change or retire a rate (`active: false`); lines written earlier keep their copy."""
    before = snapshot(rate, TAX_FIELDS)
    for key, value in _rate_fraction(data).items():
        setattr(rate, key, value)
    b, a = changed(before, snapshot(rate, TAX_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "tax_rate.updated",
            rate,
            summary=f"Tax rate {rate.name} changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return rate
