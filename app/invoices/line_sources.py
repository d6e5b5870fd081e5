"""Line sources: turn billable things into invoice lines.

Service packages (fixed price) and delivered work items (a fixed fee per item, billed once)
are built in; other domains register their own (app.rates registers "time": approved time
at its bill rates), so this package never imports them.

A source proposes `LineDraft`s and reports problems per field; `lines.add_lines_from_source`
checks the draft, writes the lines and recomputes the totals. A source whose things are
billed at most once may also have:

* `claim(invoice, written)`: called in the same transaction once the lines have ids, with
  (line, draft) pairs; it marks what each line took (`draft.claims`) and raises `Conflict`
  when another invoice took some of it meanwhile (nothing is written then);
* `release(invoice, lines)`: called when lines go away (a line removed, `lines`; a draft
  deleted or an invoice voided, None: all of them), so what they took can be billed again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import sqlalchemy as sa
from flask_babel import force_locale

from app.clients.models import ServicePackage
from app.core.formatting import format_day
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.work.models import WorkItem


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
    claims: tuple[int, ...] = ()  # ids of what the line takes (see `claim`)


class LineSource(Protocol):
    """Turns billable things of one kind into invoice lines."""

    name: str  # stored as the line's source_type, e.g. "work_item"
    title: str  # shown in the picker, e.g. "Delivered work items"

    def candidates(self, invoice: Invoice, limit: int = 100) -> list[Candidate]:
        """What can be billed on this (draft) invoice now."""
        ...

    def lines_for(
        self,
        invoice: Invoice,
        ids: list[int],
        fee_minor: int | None,
        errors: dict,
        options: Mapping[str, object] | None = None,
    ) -> list[LineDraft]:
        """Lines for the chosen ids; problems go into `errors` (field -> messages).
        `options`: what else the form or request chose (the time source's `group_by`)."""
        ...


_SOURCES: dict[str, LineSource] = {}


def register_line_source(source: LineSource) -> None:
    _SOURCES[source.name] = source


def line_sources() -> list[LineSource]:
    return list(_SOURCES.values())


def get_line_source(name: str) -> LineSource | None:
    return _SOURCES.get(name)


def release_taken(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> None:
    """Let every source that takes things once free what `lines` took (None: every line of
    the invoice): a line removed, a draft deleted, an invoice voided."""
    for source in list(_SOURCES.values()):
        release = getattr(source, "release", None)
        if release is not None:
            release(invoice, lines)


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
        shown = {"fixed": _("Fixed"), "retainer": _("Retainer")}
        return [Candidate(p.id, p.name, shown[p.pricing], p.price_minor) for p in rows]

    def lines_for(
        self,
        invoice: Invoice,
        ids: list[int],
        fee_minor: int | None,
        errors: dict,
        options: Mapping[str, object] | None = None,
    ) -> list[LineDraft]:
        packages = {
            p.id: p
            for p in db.session.scalars(sa.select(ServicePackage).where(ServicePackage.id.in_(ids)))
        }
        problems = [_("Does not exist: %(id)s.", id=i) for i in _missing(ids, set(packages))]
        for p in packages.values():
            if p.pricing == "hourly":
                problems.append(
                    _("%(package)s is hourly; bill it from time entries.", package=p.name)
                )
            elif p.currency != invoice.currency:
                problems.append(
                    _(
                        "%(package)s is priced in %(currency)s, this invoice in "
                        "%(invoice_currency)s.",
                        package=p.name,
                        currency=p.currency,
                        invoice_currency=invoice.currency,
                    )
                )
            elif p.price_minor is None and fee_minor is None:
                problems.append(_("%(package)s has no price; enter one.", package=p.name))
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
        # The fee each item will be billed at (None: the client's package has no fixed price
        # in this currency, and the form asks for one before the user submits).
        fee = _package_fee(invoice)
        return [Candidate(r.id, r.title, _delivered(r.delivered_at), fee) for r in rows]

    def lines_for(
        self,
        invoice: Invoice,
        ids: list[int],
        fee_minor: int | None,
        errors: dict,
        options: Mapping[str, object] | None = None,
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
        problems = [_("Does not exist: %(id)s.", id=i) for i in _missing(ids, set(items))]
        billed = billed_work_item_ids(list(items))
        for w in items.values():
            if w.client_id != invoice.client_id:
                problems.append(_("“%(title)s” is work for another client.", title=w.title))
            elif w.state != "delivered":
                problems.append(_("“%(title)s” is not delivered yet.", title=w.title))
            elif w.id in billed:
                problems.append(_("“%(title)s” is already on an invoice.", title=w.title))
        if problems:
            errors["ids"] = problems
        fee = fee_minor if fee_minor is not None else _package_fee(invoice)
        if fee is None:
            errors["unit_price"] = [
                _(
                    "Enter the fee per work item (the client's package has no fixed price "
                    "in %(currency)s).",
                    currency=invoice.currency,
                )
            ]
        if errors:
            return []
        return [
            LineDraft(
                description=(
                    f"{items[i].title} ({_delivered(items[i].delivered_at, invoice.locale)})"
                ),
                unit_price_minor=fee,
                kind="work_item",
                source_type=self.name,
                source_id=i,
            )
            for i in ids
        ]


def _delivered(at: dt.datetime | None, locale: str | None = None) -> str:
    """ "delivered 3 Nov 2026" in the reader's language and digits (their locale's: an
    ar_EG reader reads Arabic-Indic ones), or in `locale` (a line's description speaks the
    invoice's language)."""
    with force_locale(locale) if locale else contextlib.nullcontext():
        if at is None:
            return _("delivered")
        return _("delivered %(day)s", day=format_day(at, locale))


def _package_fee(invoice: Invoice) -> int | None:
    package = invoice.client.service_package
    if package and package.pricing == "fixed" and package.currency == invoice.currency:
        return package.price_minor
    return None


register_line_source(PackageSource())
register_line_source(WorkItemSource())
