"""Invoice lines: manual lines, lines from line sources (`line_sources`), and the totals
they add up to.

Lines change only on drafts. After every change `refresh_totals` runs the one computation
(`app.core.money.compute`) and stores each line's amounts and the invoice's totals, so
every page, the API, the CSV and the PDF read the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.core.catalogues import N_
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.money import PrecisionError, compute, format_money, to_minor
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.line_sources import get_line_source, release_taken
from app.invoices.models import Invoice, InvoiceLine, TaxRate

DOES_NOT_EXIST = "Does not exist."
MAX_MINOR = 10**13
LINE_FIELDS = (
    "kind",
    "description",
    "quantity",
    "unit_price_minor",
    "discount_percent",
    "tax_name",
    "tax_rate",
    "tax_inclusive",
    "net_minor",
    "tax_minor",
    "gross_minor",
    "source_type",
    "source_id",
)


CREDIT_NOTE_LABEL = N_("Credit note %(number)s")
DRAFT_LABEL = N_("This draft")


def label(invoice: Invoice, translate: Callable[..., str] | None = None) -> str:
    """How messages name an invoice: its number, or 'This draft'. In English (the audit
    trail keeps it so) unless `translate` (gettext) is given; see `shown_label`."""
    tr = translate or (lambda text, **values: text % values if values else text)
    if invoice.number:
        return (
            invoice.number
            if invoice.kind == "invoice"
            else tr(CREDIT_NOTE_LABEL, number=invoice.number)
        )
    return tr(DRAFT_LABEL)


def shown_label(invoice: Invoice) -> str:
    """`label` in the reader's language, for the messages pages show (audit keeps `label`)."""
    return label(invoice, _)


def require_draft(invoice: Invoice) -> None:
    """Issued documents are immutable: say why, and what to do instead."""
    if invoice.status == "draft":
        return
    if invoice.status == "void":
        raise Conflict(_("%(invoice)s is void and can't be edited.", invoice=shown_label(invoice)))
    if invoice.kind == "credit_note":
        raise Conflict(
            _("%(invoice)s is issued and can't be edited.", invoice=shown_label(invoice))
        )
    raise Conflict(
        _(
            "%(number)s is issued and can't be edited; issue a credit note instead.",
            number=invoice.number,
        )
    )


def lock_invoice(invoice: Invoice) -> Invoice:
    """Lock the invoice's row for this transaction and reload it (payments, issuing and
    the reminder sweep all take this lock, so they see each other's committed state)."""
    # Fetch the row: the ORM refreshes the object only from rows it actually reads.
    return db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.id == invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def read_amount(
    data: dict, name: str, currency: str, errors: dict, *, required: bool = True
) -> int | None:
    """An amount from input, as minor units of `currency`: `<name>_minor` (an integer, the
    API's way) or `<name>` (a decimal in major units, the forms' way), never both."""
    minor_key = f"{name}_minor"
    has_minor, has_major = data.get(minor_key) is not None, data.get(name) is not None
    if has_minor and has_major:
        errors[name] = [
            _("Give %(name)s or %(minor_key)s, not both.", name=name, minor_key=minor_key)
        ]
        return None
    if has_minor:
        value, key = int(data[minor_key]), minor_key
    elif has_major:
        key = name
        try:
            value = to_minor(data[name], currency, exact=True)
        except PrecisionError as exc:
            errors[name] = [exc.message.translated()]
            return None
        except ValueError:
            errors[name] = [_("Not a valid amount.")]
            return None
    else:
        if required:
            errors[name] = [_("Enter an amount.")]
        return None
    if abs(value) >= MAX_MINOR:
        errors[key] = [_("This amount is too large.")]
        return None
    return value


def resolve_tax_rate(
    tax_rate_id: int | None, errors: dict, *, current_id: int | None = None
) -> TaxRate | None:
    """A tax rate id from input: the agency's own, and active unless unchanged."""
    if tax_rate_id is None:
        return None
    rate = db.session.scalar(sa.select(TaxRate).where(TaxRate.id == tax_rate_id))
    if rate is None:
        errors["tax_rate_id"] = [DOES_NOT_EXIST]
        return None
    if not rate.active and rate.id != current_id:
        errors["tax_rate_id"] = [_("This tax rate is no longer in use.")]
    return rate


def apply_tax(line: InvoiceLine, rate: TaxRate | None) -> None:
    """Snapshot the rate on the line: later changes to the agency's rate don't touch it."""
    line.tax_rate_id = rate.id if rate else None
    line.tax_name = rate.name if rate else None
    line.tax_rate = rate.rate if rate else Decimal(0)
    line.tax_inclusive = rate.inclusive if rate else False


def refresh_totals(invoice: Invoice) -> None:
    """Recompute every line's amounts and the invoice's totals with `money.compute`."""
    lines = list(invoice.lines)
    totals = compute(lines, invoice.rounding)
    for line, amounts in zip(lines, totals.lines, strict=True):
        line.net_minor, line.tax_minor, line.gross_minor = amounts.net, amounts.tax, amounts.gross
    invoice.subtotal_minor = totals.subtotal
    invoice.tax_minor = totals.tax
    invoice.total_minor = totals.total


def next_position(invoice: Invoice) -> int:
    return max((line.position for line in invoice.lines), default=0) + 1


# --- services ------------------------------------------------------------------------------


def _line_values(data: dict, invoice: Invoice, errors: dict, *, partial: bool) -> dict:
    values: dict = {}
    for key in ("description", "quantity", "discount_percent"):
        if key in data and data[key] is not None:
            values[key] = data[key]
    price = read_amount(data, "unit_price", invoice.currency, errors, required=not partial)
    if price is not None:
        values["unit_price_minor"] = price
    return values


def add_line(actor: Actor, invoice: Invoice, data: dict) -> InvoiceLine:
    """A manual line on a draft: description, quantity, unit price, discount, tax rate."""
    errors: dict = {}
    values = _line_values(data, invoice, errors, partial=False)
    rate = resolve_tax_rate(data.get("tax_rate_id"), errors)
    if errors:
        raise ValidationFailed(errors)
    lock_invoice(invoice)
    require_draft(invoice)
    line = InvoiceLine(position=next_position(invoice), kind="manual", **values)
    line.quantity = values.get("quantity", Decimal(1))
    line.discount_percent = values.get("discount_percent", Decimal(0))
    apply_tax(line, rate)
    invoice.lines.append(line)
    refresh_totals(invoice)
    db.session.flush()
    record(
        actor,
        "invoice.line_added",
        invoice,
        summary=f"Line “{line.description[:80]}” added to {label(invoice).lower()}",
        after=snapshot(line, LINE_FIELDS),
    )
    return line


def update_line(actor: Actor, line: InvoiceLine, data: dict) -> InvoiceLine:
    invoice = line.invoice
    errors: dict = {}
    values = _line_values(data, invoice, errors, partial=True)
    rate = line_rate = None
    if "tax_rate_id" in data:
        rate = resolve_tax_rate(data["tax_rate_id"], errors, current_id=line.tax_rate_id)
        line_rate = True
    if errors:
        raise ValidationFailed(errors)
    lock_invoice(invoice)
    require_draft(invoice)
    before = snapshot(line, LINE_FIELDS)
    for key, value in values.items():
        setattr(line, key, value)
    if line_rate:
        apply_tax(line, rate)
    refresh_totals(invoice)
    b, a = changed(before, snapshot(line, LINE_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "invoice.line_updated",
            invoice,
            summary=f"Line “{line.description[:80]}” changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return line


def remove_line(actor: Actor, line: InvoiceLine) -> None:
    invoice = line.invoice
    lock_invoice(invoice)
    require_draft(invoice)
    before = snapshot(line, LINE_FIELDS)
    release_taken(invoice, [line])
    invoice.lines.remove(line)
    if line.kind == "deposit_deduction" and not any(
        other.kind == "deposit_deduction" for other in invoice.lines
    ):
        invoice.deposit_invoice_id = None
    refresh_totals(invoice)
    db.session.flush()
    record(
        actor,
        "invoice.line_removed",
        invoice,
        summary=f"Line “{before['description'][:80]}” removed from {label(invoice).lower()}",
        before=before,
    )


def add_lines_from_source(actor: Actor, invoice: Invoice, data: dict) -> list[InvoiceLine]:
    """Lines from a registered source (`source`, `ids`, optional fee and tax rate)."""
    errors: dict = {}
    source = get_line_source(data["source"])
    fee = read_amount(data, "unit_price", invoice.currency, errors, required=False)
    rate = resolve_tax_rate(data.get("tax_rate_id"), errors)
    ids = list(dict.fromkeys(data["ids"]))
    if source is None:
        errors["source"] = ["Not a line source."]
    if not ids:
        errors["ids"] = [_("Choose at least one.")]
    if errors:
        raise ValidationFailed(errors)
    lock_invoice(invoice)
    require_draft(invoice)
    options = {key: data[key] for key in ("group_by",) if data.get(key) is not None}
    drafts = source.lines_for(invoice, ids, fee, errors, options)
    if errors:
        raise ValidationFailed(errors)
    added = []
    position = next_position(invoice)
    for offset, d in enumerate(drafts):
        line = InvoiceLine(
            position=position + offset,
            kind=d.kind,
            description=d.description[:500],
            quantity=d.quantity,
            unit_price_minor=d.unit_price_minor,
            discount_percent=Decimal(0),
            source_type=d.source_type,
            source_id=d.source_id,
        )
        apply_tax(line, rate)
        invoice.lines.append(line)
        added.append(line)
    refresh_totals(invoice)
    db.session.flush()
    claim = getattr(source, "claim", None)
    if claim is not None:
        claim(invoice, list(zip(added, drafts, strict=True)))
    record(
        actor,
        "invoice.lines_imported",
        invoice,
        summary=f"{len(added)} line(s) from {source.title.lower()} added to "
        f"{label(invoice).lower()}",
        after={"source": source.name, "ids": ids, "lines": [ln.id for ln in added]},
    )
    return added


def copy_line(line: InvoiceLine, *, sign: int = 1, **overrides: object) -> InvoiceLine:
    """A new line with the same price and tax snapshot (negated with sign=-1)."""
    values = {
        "kind": line.kind,
        "description": line.description,
        "quantity": line.quantity * sign,
        "unit_price_minor": line.unit_price_minor,
        "discount_percent": line.discount_percent,
        "tax_rate_id": line.tax_rate_id,
        "tax_name": line.tax_name,
        "tax_rate": line.tax_rate,
        "tax_inclusive": line.tax_inclusive,
        "source_type": None,
        "source_id": None,
    }
    values.update(overrides)
    return InvoiceLine(**values)


def money_of(invoice: Invoice, minor: int) -> str:
    return format_money(minor, invoice.currency, invoice.locale)


def settle(invoice: Invoice, now: dt.datetime | None = None) -> None:
    """Set an issued invoice's status from its balance: paid when nothing is owed,
    partially paid after a payment, otherwise issued or sent."""
    if invoice.kind != "invoice" or invoice.status in ("draft", "void"):
        return
    if invoice.balance_minor <= 0:
        invoice.status = "paid"
        invoice.paid_at = invoice.paid_at or now or utcnow()
        return
    invoice.paid_at = None
    if invoice.paid_minor > 0:
        invoice.status = "partially_paid"
    else:
        invoice.status = "sent" if invoice.sent_at else "issued"
