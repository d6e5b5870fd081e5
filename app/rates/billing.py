"""Billing from time: the invoice line source "time" (registered with app.invoices).

What it offers: the invoice's client's entries that are approved (`approved_at`), not billed
(`invoice_id` empty), billable and finished; with the agency's "bill only QA-approved work"
on (the default), an entry on a work item waits until QA approved the item (an entry with no
work item does not wait). Each is priced by `app.rates.pricing`: entries with no rate, or
priced in another currency than the invoice's, are shown with the reason and left out.

The lines: one per group (work item, activity or person, as the user chooses) and bill rate,
its quantity the group's billed hours (each entry rounded by the agency's rule), its unit
price the rate, its description the group and its period (first to last day).

An entry is billed at most once, even when two drafts take it at the same moment: `claim`
marks the entries with a conditional UPDATE (`... WHERE invoice_id IS NULL`) in the
transaction that writes the lines; the second writer waits for the first's row locks, finds
the entries taken, and its whole change is refused (409) and rolled back. `release` gives
them back when their line is removed, their draft deleted or their invoice voided.

Time drawn from a retainer's bank of hours is not offered: while the client has an active
retainer with included hours, its time from the bank's first month on is billed by the
retainer (its monthly fee, and hours over the bank at the plan's overage rate), never also
here at the hourly rate (`app.retainers.hours.drawn_from_bank`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale

from app.core.errors import Conflict
from app.core.formatting import format_day
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.line_sources import Candidate, LineDraft, register_line_source
from app.invoices.models import Invoice, InvoiceLine
from app.rates.models import TimeBillingSettings
from app.rates.pricing import PricedEntry, price_entries
from app.rates.queries import billing_settings
from app.rates.rounding import hours
from app.retainers.hours import drawn_from_bank
from app.time.models import TimeEntry
from app.time.queries import activity_label
from app.work.models import WorkItem

NAME = "time"


@dataclass(frozen=True)
class TimeCandidate(Candidate):
    """An entry in the picker: what it bills, or why it can't be billed here."""

    day: dt.date | None = None
    person: str = ""
    subject: str = ""
    seconds: int = 0
    minutes: int = 0
    currency: str | None = None
    problem: str | None = None  # no_rate | other_currency | awaiting_qa
    message: str = ""


def billable_time(client_id: int) -> sa.Select:
    """The client's approved, unbilled, billable, finished entries (QA not applied)."""
    return sa.select(TimeEntry).where(
        TimeEntry.client_id == client_id,
        TimeEntry.approved_at.is_not(None),
        TimeEntry.invoice_id.is_(None),
        TimeEntry.billable.is_(True),
        TimeEntry.duration_seconds.is_not(None),
        sa.not_(drawn_from_bank()),
    )


def passed_qa() -> sa.ColumnElement[bool]:
    """An entry with no work item, or on one QA approved."""
    approved = sa.select(WorkItem.id).where(WorkItem.approved_at.is_not(None))
    return sa.or_(TimeEntry.work_item_id.is_(None), TimeEntry.work_item_id.in_(approved))


def _awaiting_qa(entry: TimeEntry, settings: TimeBillingSettings) -> bool:
    item = entry.work_item
    return bool(settings.bill_only_qa_approved and item is not None and item.approved_at is None)


def problem_of(priced: PricedEntry, invoice: Invoice, settings: TimeBillingSettings) -> str | None:
    if _awaiting_qa(priced.entry, settings):
        return "awaiting_qa"
    if priced.rate is None:
        return "no_rate"
    if priced.rate.currency != invoice.currency:
        return "other_currency"
    return None


def problem_message(priced: PricedEntry, problem: str | None, invoice: Invoice) -> str:
    if problem == "awaiting_qa":
        return _("Its work item has not passed QA yet.")
    if problem == "no_rate":
        return _("No bill rate applies to it: set one on the client's Rates page.")
    if problem == "other_currency":
        assert priced.rate is not None
        return _(
            "Priced in %(currency)s, this invoice is in %(invoice_currency)s: left out.",
            currency=priced.rate.currency,
            invoice_currency=invoice.currency,
        )
    return ""


def subject_of(entry: TimeEntry) -> str:
    if entry.work_item is not None:
        return entry.work_item.title
    return activity_label(entry.activity) or _("Time without a work item")


def billable_entries(invoice: Invoice, limit: int = 200) -> list[tuple[PricedEntry, str | None]]:
    """The client's approved, unbilled time with its price and what keeps it off this
    invoice (None: nothing), oldest first: three queries."""
    settings = billing_settings()
    stmt = (
        billable_time(invoice.client_id).order_by(TimeEntry.entry_date, TimeEntry.id).limit(limit)
    )
    entries = list(db.session.scalars(stmt))
    priced = price_entries(entries, settings)
    return [(p, problem_of(p, invoice, settings)) for p in priced]


class TimeSource:
    """Approved time of the invoice's client at its bill rates."""

    name = NAME
    title = "Approved time"
    form_template = "rates/_time_source.html"

    def candidates(self, invoice: Invoice, limit: int = 100) -> list[Candidate]:
        out: list[Candidate] = []
        for priced, problem in billable_entries(invoice, limit):
            e = priced.entry
            out.append(
                TimeCandidate(
                    id=e.id,
                    title=f"{format_day(e.entry_date)} · {e.member.user.name}",
                    detail=subject_of(e),
                    unit_price_minor=priced.rate.minor if priced.rate else None,
                    day=e.entry_date,
                    person=e.member.user.name,
                    subject=subject_of(e),
                    seconds=e.seconds(),
                    minutes=priced.minutes,
                    currency=priced.rate.currency if priced.rate else None,
                    problem=problem,
                    message=problem_message(priced, problem, invoice),
                )
            )
        return out

    def lines_for(
        self,
        invoice: Invoice,
        ids: list[int],
        fee_minor: int | None,
        errors: dict,
        options: Mapping[str, object] | None = None,
    ) -> list[LineDraft]:
        group_by = str((options or {}).get("group_by") or "work_item")
        if fee_minor is not None:
            errors["unit_price"] = [
                _("Time is billed at its bill rates: set them on the Rates pages instead.")
            ]
        settings = billing_settings()
        entries = list(
            db.session.scalars(
                sa.select(TimeEntry).where(TimeEntry.id.in_(ids)).order_by(TimeEntry.id)
            )
        )
        found = {e.id for e in entries}
        problems = [_("Does not exist: %(id)s.", id=i) for i in ids if i not in found]
        priced = price_entries(entries, settings)
        banked = set(
            db.session.scalars(
                sa.select(TimeEntry.id).where(TimeEntry.id.in_(ids), drawn_from_bank())
            )
        )
        for p in priced:
            found = self._problems(p, invoice, settings)
            if not found and p.entry.id in banked:
                found = [
                    _(
                        "Time of %(entry)s is billed by the client's retainer.",
                        entry=" ".join(
                            (format_day(p.entry.entry_date), "(" + p.entry.member.user.name + ")")
                        ),
                    )
                ]
            problems += found
        if problems:
            errors["ids"] = problems
        if errors:
            return []
        return _drafts(priced, group_by, invoice)

    @staticmethod
    def _problems(p: PricedEntry, invoice: Invoice, settings: TimeBillingSettings) -> list[str]:
        e = p.entry
        where = f"{format_day(e.entry_date)} ({e.member.user.name})"
        if e.client_id != invoice.client_id:
            return [_("Time of %(entry)s is another client's.", entry=where)]
        if e.invoice_id is not None:
            return [_("Time of %(entry)s is already on an invoice.", entry=where)]
        if e.approved_at is None:
            return [_("Time of %(entry)s is not approved yet.", entry=where)]
        if not e.billable:
            return [_("Time of %(entry)s is not billable.", entry=where)]
        if e.running:
            return [_("Time of %(entry)s is still running.", entry=where)]
        problem = problem_of(p, invoice, settings)
        if problem:
            return [f"{where}: {problem_message(p, problem, invoice)}"]
        return []

    def claim(self, invoice: Invoice, written: Sequence[tuple[InvoiceLine, LineDraft]]) -> None:
        """Mark each line's entries as billed by it, only where nobody billed them meanwhile;
        refuse the whole change if any was taken (the caller rolls back)."""
        for line, draft in written:
            if not draft.claims:
                continue
            result = db.session.execute(
                sa.update(TimeEntry)
                .where(
                    TimeEntry.id.in_(draft.claims),
                    TimeEntry.invoice_id.is_(None),
                    TimeEntry.approved_at.is_not(None),
                )
                .values(invoice_id=invoice.id, invoice_line_id=line.id)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != len(draft.claims):
                raise Conflict(
                    _(
                        "Some of this time was billed on another invoice a moment ago, or its "
                        "approval was withdrawn: nothing was added. Reload the page and add "
                        "what is left."
                    ),
                    code="time_taken",
                )
        _expire_entries([i for _, d in written for i in d.claims])

    def release(self, invoice: Invoice, lines: Sequence[InvoiceLine] | None) -> None:
        """What `lines` (None: every line of the invoice) billed can be billed again."""
        stmt = sa.update(TimeEntry).where(TimeEntry.invoice_id == invoice.id)
        if lines is not None:
            stmt = stmt.where(TimeEntry.invoice_line_id.in_([ln.id for ln in lines]))
        freed = db.session.scalars(
            stmt.values(invoice_id=None, invoice_line_id=None)
            .returning(TimeEntry.id)
            .execution_options(synchronize_session=False)
        ).all()
        _expire_entries(list(freed))


def _expire_entries(ids: list[int]) -> None:
    """Entries in the session see the UPDATE's values at their next read."""
    wanted = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, TimeEntry) and obj.id in wanted:
            db.session.expire(obj, ["invoice_id", "invoice_line_id"])


def _group_key(entry: TimeEntry, group_by: str) -> tuple[int, ...]:
    if group_by == "activity":
        return (entry.activity_id or 0,)
    if group_by == "person":
        return (entry.membership_id,)
    return (entry.work_item_id or 0,)


def _group_label(entry: TimeEntry, group_by: str) -> str:
    if group_by == "activity":
        return activity_label(entry.activity) or _("Other time")
    if group_by == "person":
        return entry.member.user.name
    return entry.work_item.title if entry.work_item is not None else _("Time without a work item")


def _period(first: dt.date, last: dt.date, locale: str) -> str:
    if first == last:
        return format_day(first, locale)
    return _("%(first)s – %(last)s", first=format_day(first, locale), last=format_day(last, locale))


def _drafts(priced: list[PricedEntry], group_by: str, invoice: Invoice) -> list[LineDraft]:
    groups: dict[tuple, list[PricedEntry]] = {}
    for p in priced:
        assert p.rate is not None
        groups.setdefault((*_group_key(p.entry, group_by), p.rate.minor), []).append(p)
    drafts = []
    with force_locale(invoice.locale) if invoice.locale else contextlib.nullcontext():
        for (*key, rate_minor), members in groups.items():
            days = [m.entry.entry_date for m in members]
            label = _group_label(members[0].entry, group_by)
            minutes = sum(m.minutes for m in members)
            drafts.append(
                LineDraft(
                    description=_(
                        "%(subject)s (%(period)s)",
                        subject=label,
                        period=_period(min(days), max(days), invoice.locale),
                    ),
                    unit_price_minor=rate_minor,
                    quantity=hours(minutes),
                    kind="time",
                    source_type=NAME,
                    source_id=key[0] or None,
                    claims=tuple(m.entry.id for m in members),
                )
            )
    drafts.sort(key=lambda d: (d.description, d.unit_price_minor))
    return drafts


register_line_source(TimeSource())
