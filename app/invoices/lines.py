"""Invoice lines: manual lines, lines from line sources, and the totals they add up to.

A *line source* turns billable things into lines. Service packages (fixed price) and
delivered work items (a fixed fee per item, billed once) are built in; time tracking plugs
in later by registering its own source:

    register_line_source(TimeEntrySource())   # name "time", kind "time"

Lines change only on drafts. After every change `refresh_totals` runs the one computation
(`app.core.money.compute`) and stores each line's amounts and the invoice's totals, so
every page, the API, the CSV and the PDF read the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.clients.models import ServicePackage
from app.core.errors import Conflict, ValidationFailed
from app.core.money import PrecisionError, compute, format_money, to_minor
from app.core.permissions import Actor
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine, TaxRate
from app.work.models import WorkItem

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


def label(invoice: Invoice) -> str:
    """How messages name an invoice: its number, or 'This draft'."""
    if invoice.number:
        return invoice.number if invoice.kind == "invoice" else f"Credit note {invoice.number}"
    return "This draft"


def require_draft(invoice: Invoice) -> None:
    """Issued documents are immutable: say why, and what to do instead."""
    if invoice.status == "draft":
        return
    if invoice.status == "void":
        raise Conflict(f"{label(invoice)} is void and can't be edited.")
    if invoice.kind == "credit_note":
        raise Conflict(f"{label(invoice)} is issued and can't be edited.")
    raise Conflict(f"{invoice.number} is issued and can't be edited; issue a credit note instead.")


def lock_invoice(invoice: Invoice) -> Invoice:
    """Lock the invoice's row for this transaction and reload it (payments, issuing and
    the reminder sweep all take this lock, so they see each other's committed state)."""
    db.session.execute(
        sa.select(Invoice)
        .where(Invoice.id == invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return invoice


def read_amount(
    data: dict, name: str, currency: str, errors: dict, *, required: bool = True
) -> int | None:
    """An amount from input, as minor units of `currency`: `<name>_minor` (an integer, the
    API's way) or `<name>` (a decimal in major units, the forms' way), never both."""
    minor_key = f"{name}_minor"
    has_minor, has_major = data.get(minor_key) is not None, data.get(name) is not None
    if has_minor and has_major:
        errors[name] = [f"Give {name} or {minor_key}, not both."]
        return None
    if has_minor:
        value, key = int(data[minor_key]), minor_key
    elif has_major:
        key = name
        try:
            value = to_minor(data[name], currency, exact=True)
        except PrecisionError as exc:
            errors[name] = [f"{exc}."]
            return None
        except ValueError:
            errors[name] = ["Not a valid amount."]
            return None
    else:
        if required:
            errors[name] = ["Enter an amount."]
        return None
    if abs(value) >= MAX_MINOR:
        errors[key] = ["This amount is too large."]
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
        errors["tax_rate_id"] = ["This tax rate is no longer in use."]
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


# --- line sources --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """Something a source can bill on this invoice, for the picker."""

    id: int
    title: str
    detail: str = ""
    unit_price_minor: int | None = None


@dataclass(frozen=True)
class LineDraft:
    """A line a source proposes; the invoice module writes it."""

    description: str
    unit_price_minor: int
    quantity: Decimal = Decimal(1)
    kind: str = "manual"
    source_type: str | None = None
    source_id: int | None = None


class LineSource(Protocol):
    """Turns billable things of one kind into invoice lines."""

    name: str  # stored as the line's source_type, e.g. "work_item"
    title: str  # shown in the picker, e.g. "Delivered work items"

    def candidates(self, invoice: Invoice, limit: int = 100) -> list[Candidate]:
        """What can be billed on this (draft) invoice now."""
        ...

    def lines_for(
        self, invoice: Invoice, ids: list[int], fee_minor: int | None, errors: dict
    ) -> list[LineDraft]:
        """Lines for the chosen ids; problems go into `errors` (field -> messages)."""
        ...


_SOURCES: dict[str, LineSource] = {}


def register_line_source(source: LineSource) -> None:
    _SOURCES[source.name] = source


def line_sources() -> list[LineSource]:
    return list(_SOURCES.values())


def get_line_source(name: str) -> LineSource | None:
    return _SOURCES.get(name)


class SourceNames:
    """The registered source names, read when used (so schemas see late registrations)."""

    def __iter__(self) -> Iterator[str]:
        return iter(list(_SOURCES))

    def __contains__(self, name: object) -> bool:
        return name in _SOURCES


def _missing(ids: list[int], found: set[int]) -> list[int]:
    return [i for i in ids if i not in found]


class PackageSource:
    """Service packages sold at a fixed price (or a monthly fee), one line each."""

    name = "package"
    title = "Service packages"

    def _stmt(self, invoice: Invoice) -> sa.Select:
        return sa.select(ServicePackage).where(
            ServicePackage.currency == invoice.currency,
            ServicePackage.pricing.in_(("fixed", "retainer")),
            ServicePackage.price_minor.is_not(None),
        )

    def candidates(self, invoice: Invoice, limit: int = 100) -> list[Candidate]:
        rows = db.session.scalars(
            self._stmt(invoice)
            .where(ServicePackage.active.is_(True))
            .order_by(ServicePackage.name, ServicePackage.id)
            .limit(limit)
        )
        return [Candidate(p.id, p.name, p.pricing, p.price_minor) for p in rows]

    def lines_for(
        self, invoice: Invoice, ids: list[int], fee_minor: int | None, errors: dict
    ) -> list[LineDraft]:
        packages = {
            p.id: p
            for p in db.session.scalars(sa.select(ServicePackage).where(ServicePackage.id.in_(ids)))
        }
        problems = [f"Does not exist: {i}." for i in _missing(ids, set(packages))]
        for p in packages.values():
            if p.pricing == "hourly":
                problems.append(f"{p.name} is hourly; bill it from time entries.")
            elif p.currency != invoice.currency:
                problems.append(
                    f"{p.name} is priced in {p.currency}, this invoice in {invoice.currency}."
                )
            elif p.price_minor is None and fee_minor is None:
                problems.append(f"{p.name} has no price; enter one.")
        if problems:
            errors["ids"] = problems
            return []
        return [
            LineDraft(
                description=packages[i].name,
                unit_price_minor=fee_minor if fee_minor is not None else packages[i].price_minor,
                kind="package",
                source_type=self.name,
                source_id=i,
            )
            for i in ids
        ]


def billed_work_item_ids(ids: list[int] | None = None) -> set[int]:
    """Work items already on an invoice that is not void (a work item is billed once)."""
    stmt = (
        sa.select(InvoiceLine.source_id)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            InvoiceLine.source_type == "work_item",
            Invoice.kind == "invoice",
            Invoice.status != "void",
        )
    )
    if ids is not None:
        stmt = stmt.where(InvoiceLine.source_id.in_(ids))
    return {i for i in db.session.scalars(stmt) if i is not None}


class WorkItemSource:
    """Delivered work items of the invoice's client, a fixed fee each, billed once."""

    name = "work_item"
    title = "Delivered work items"

    def candidates(self, invoice: Invoice, limit: int = 100) -> list[Candidate]:
        billed = (
            sa.select(InvoiceLine.source_id)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                InvoiceLine.source_type == "work_item",
                Invoice.kind == "invoice",
                Invoice.status != "void",
                InvoiceLine.source_id.is_not(None),
            )
        )
        rows = db.session.execute(
            sa.select(WorkItem.id, WorkItem.title, WorkItem.delivered_at)
            .where(
                WorkItem.client_id == invoice.client_id,
                WorkItem.state == "delivered",
                WorkItem.id.not_in(billed),
            )
            .order_by(WorkItem.delivered_at.desc(), WorkItem.id.desc())
            .limit(limit)
        ).all()
        return [Candidate(r.id, r.title, _delivered(r.delivered_at)) for r in rows]

    def lines_for(
        self, invoice: Invoice, ids: list[int], fee_minor: int | None, errors: dict
    ) -> list[LineDraft]:
        # Lock the items, so two drafts billing the same item at once cannot both win.
        items = {
            w.id: w
            for w in db.session.scalars(
                sa.select(WorkItem)
                .where(WorkItem.id.in_(ids))
                .order_by(WorkItem.id)
                .with_for_update()
            )
        }
        problems = [f"Does not exist: {i}." for i in _missing(ids, set(items))]
        billed = billed_work_item_ids(list(items))
        for w in items.values():
            if w.client_id != invoice.client_id:
                problems.append(f"“{w.title}” is work for another client.")
            elif w.state != "delivered":
                problems.append(f"“{w.title}” is not delivered yet.")
            elif w.id in billed:
                problems.append(f"“{w.title}” is already on an invoice.")
        if problems:
            errors["ids"] = problems
        fee = fee_minor if fee_minor is not None else _package_fee(invoice)
        if fee is None:
            errors["unit_price"] = [
                "Enter the fee per work item (the client's package has no fixed price "
                f"in {invoice.currency})."
            ]
        if errors:
            return []
        return [
            LineDraft(
                description=f"{items[i].title} ({_delivered(items[i].delivered_at)})",
                unit_price_minor=fee,
                kind="work_item",
                source_type=self.name,
                source_id=i,
            )
            for i in ids
        ]


def _delivered(at: dt.datetime | None) -> str:
    return f"delivered {at:%d %b %Y}" if at else "delivered"


def _package_fee(invoice: Invoice) -> int | None:
    package = invoice.client.service_package
    if package and package.pricing == "fixed" and package.currency == invoice.currency:
        return package.price_minor
    return None


register_line_source(PackageSource())
register_line_source(WorkItemSource())


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
        errors["ids"] = ["Choose at least one."]
    if errors:
        raise ValidationFailed(errors)
    lock_invoice(invoice)
    require_draft(invoice)
    drafts = source.lines_for(invoice, ids, fee, errors)
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
