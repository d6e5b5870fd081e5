"""Billing from time: the "time" line source takes the client's approved, unbilled, billable
time, one line per work item (activity, person) and rate with the billed hours and the
period; other currencies and work awaiting QA are left out with a reason; each entry is
billed once, and a removed line, a deleted draft or a voided invoice gives it back; a rate
changed after billing leaves the invoice as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.errors import ValidationFailed
from app.extensions import db
from app.invoices.line_sources import get_line_source
from app.invoices.lines import add_lines_from_source, remove_line
from app.invoices.models import Invoice
from app.invoices.services import delete_invoice, issue_invoice, void_invoice
from app.rates.models import TimeBillingSettings
from app.time.models import TimeEntry
from app.work.models import WorkItem
from tests.invoices.support import draft
from tests.rates.support import YESTERDAY, actor_of, bill_rate, entry
from tests.time.support import NOW

MONDAY = dt.date(2026, 3, 2)


def _qa_passed(item_id: int) -> None:
    db.session.get(WorkItem, item_id).approved_at = NOW
    db.session.flush()


def _bill(actor, invoice, ids, group_by=None, **kw):
    data = {"source": "time", "ids": ids, **kw}
    if group_by:
        data["group_by"] = group_by
    return add_lines_from_source(actor, invoice, data)


def _entries(ids):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(TimeEntry).where(TimeEntry.id.in_(ids))))


@pytest.fixture
def world(in_agency):
    """The client at 60.00 an hour, the owner's time there at 90.00 (an override), the
    work item through QA; the VA's hour on it on Monday, half an hour with no work item on
    Wednesday, the owner's 45 minutes on it on Tuesday."""
    tt = in_agency
    a = tt.agency.id
    tt.team.client.bill_rate_minor = 6000
    bill_rate(a, "client_member", 9000, client_id=tt.client_id, membership_id=tt.owner.id)
    _qa_passed(tt.work_item_id)
    e1 = entry(a, tt.va.id, tt.client_id, work_item_id=tt.work_item_id, day=MONDAY)
    e2 = entry(
        a,
        tt.va.id,
        tt.client_id,
        activity_id=tt.activity_id,
        day=MONDAY + dt.timedelta(2),
        seconds=1800,
    )
    e3 = entry(
        a,
        tt.owner.id,
        tt.client_id,
        work_item_id=tt.work_item_id,
        day=MONDAY + dt.timedelta(1),
        seconds=2700,
    )
    tt.ids = [e1.id, e2.id, e3.id]
    tt.owner_actor = actor_of(tt.owner)
    return tt


def test_lines_per_work_item_and_rate_with_hours_and_period(app, world):
    invoice = draft(world.owner_actor, world.team.client)
    lines = _bill(world.owner_actor, invoice, world.ids)
    got = sorted((ln.description, ln.quantity, ln.unit_price_minor, ln.kind) for ln in lines)
    assert got == [
        ("Time without a work item (4 Mar 2026)", Decimal("0.5"), 6000, "time"),
        ("Weekly bookkeeping (2 Mar 2026)", Decimal("1"), 6000, "time"),
        ("Weekly bookkeeping (3 Mar 2026)", Decimal("0.75"), 9000, "time"),
    ]
    assert invoice.total_minor == 3000 + 6000 + 6750
    by_line = {ln.id: ln for ln in lines}
    for e in _entries(world.ids):
        assert e.invoice_id == invoice.id and e.invoice_line_id in by_line


def test_lines_per_person_or_activity(app, world):
    invoice = draft(world.owner_actor, world.team.client)
    by_person = _bill(world.owner_actor, invoice, world.ids, group_by="person")
    va_name, owner_name = world.va.user.name, world.owner.user.name
    assert sorted((ln.description, ln.quantity) for ln in by_person) == sorted(
        [
            (f"{va_name} (2 Mar 2026 – 4 Mar 2026)", Decimal("1.5")),
            (f"{owner_name} (3 Mar 2026)", Decimal("0.75")),
        ]
    )
    remove_line(world.owner_actor, by_person[0])
    remove_line(world.owner_actor, by_person[1])
    by_activity = _bill(world.owner_actor, invoice, world.ids, group_by="activity")
    assert sorted((ln.description, ln.quantity, ln.unit_price_minor) for ln in by_activity) == [
        ("Admin (4 Mar 2026)", Decimal("0.5"), 6000),
        ("Other time (2 Mar 2026)", Decimal("1"), 6000),
        ("Other time (3 Mar 2026)", Decimal("0.75"), 9000),
    ]


def test_the_agencys_rounding_applies_to_each_entry(app, world):
    db.session.add(TimeBillingSettings(rounding_increment=15, rounding_direction="up"))
    db.session.flush()
    a = world.agency.id
    odd = [
        entry(a, world.va.id, world.client_id, work_item_id=world.work_item_id, seconds=s).id
        for s in (60, 16 * 60, 29 * 60)
    ]
    invoice = draft(world.owner_actor, world.team.client)
    (line,) = _bill(world.owner_actor, invoice, odd)
    assert line.quantity == Decimal("1.25")  # 15 + 30 + 30 minutes
    assert invoice.total_minor == 7500


def test_another_currency_and_work_awaiting_qa_are_left_out_with_a_reason(app, world):
    a = world.agency.id
    bill_rate(a, "work_item", 5000, "EUR", work_item_id=world.work_item_id, day=YESTERDAY)
    in_euros = entry(a, world.va.id, world.client_id, work_item_id=world.work_item_id)
    db.session.get(WorkItem, world.work_item_id).approved_at = None
    db.session.flush()
    invoice = draft(world.owner_actor, world.team.client)
    found = {c.id: c for c in get_line_source("time").candidates(invoice)}
    assert found[world.ids[1]].problem is None  # no work item: QA does not hold it
    assert found[world.ids[0]].problem == "awaiting_qa"
    assert found[in_euros.id].problem == "awaiting_qa"
    _qa_passed(world.work_item_id)
    found = {c.id: c for c in get_line_source("time").candidates(invoice)}
    assert found[in_euros.id].problem == "other_currency"
    assert "Priced in EUR, this invoice is in USD" in found[in_euros.id].message
    with pytest.raises(ValidationFailed) as refused:
        _bill(world.owner_actor, invoice, [world.ids[1], in_euros.id])
    assert "Priced in EUR" in " ".join(refused.value.errors["ids"])
    assert invoice.lines == [] and _entries([world.ids[1]])[0].invoice_id is None


def test_with_the_qa_setting_off_work_is_billed_before_qa(app, world):
    db.session.get(WorkItem, world.work_item_id).approved_at = None
    db.session.add(TimeBillingSettings(bill_only_qa_approved=False))
    db.session.flush()
    invoice = draft(world.owner_actor, world.team.client)
    assert all(c.problem is None for c in get_line_source("time").candidates(invoice))
    assert len(_bill(world.owner_actor, invoice, world.ids)) == 3


def test_only_approved_unbilled_billable_finished_time_of_the_client_is_offered(app, world):
    a = world.agency.id
    hidden = [
        entry(a, world.va.id, world.client_id, approved=False).id,
        entry(a, world.va.id, world.client_id, billable=False).id,
        entry(a, world.va.id, world.other_client_id).id,
    ]
    invoice = draft(world.owner_actor, world.team.client)
    offered = {c.id for c in get_line_source("time").candidates(invoice)}
    assert offered == set(world.ids)
    with pytest.raises(ValidationFailed) as refused:
        _bill(world.owner_actor, invoice, hidden)
    text = " ".join(refused.value.errors["ids"])
    assert "not approved yet" in text and "not billable" in text and "another client" in text


def test_an_entry_is_billed_once(app, world):
    first = draft(world.owner_actor, world.team.client)
    _bill(world.owner_actor, first, world.ids)
    second = draft(world.owner_actor, world.team.client)
    assert get_line_source("time").candidates(second) == []
    with pytest.raises(ValidationFailed) as refused:
        _bill(world.owner_actor, second, world.ids[:1])
    assert "already on an invoice" in refused.value.errors["ids"][0]


def test_removing_the_line_deleting_the_draft_or_voiding_gives_the_time_back(app, world):
    actor = world.owner_actor
    invoice = draft(actor, world.team.client)
    lines = _bill(actor, invoice, world.ids)
    taken_by_first = {e.id for e in _entries(world.ids) if e.invoice_line_id == lines[0].id}
    remove_line(actor, lines[0])
    freed = {e.id for e in _entries(world.ids) if e.invoice_id is None}
    assert freed == taken_by_first
    delete_invoice(actor, invoice)
    assert all(e.invoice_id is None and e.invoice_line_id is None for e in _entries(world.ids))
    again = draft(actor, world.team.client)
    _bill(actor, again, world.ids)
    issue_invoice(actor, again)
    assert all(e.invoice_id == again.id for e in _entries(world.ids))
    void_invoice(actor, again, {"reason": "Wrong month"})
    assert all(e.invoice_id is None and e.invoice_line_id is None for e in _entries(world.ids))
    # The void invoice keeps its lines (it is a record); the time can be billed anew.
    assert len(again.lines) == 3
    assert {
        c.id for c in get_line_source("time").candidates(draft(actor, world.team.client))
    } == set(world.ids)


def test_a_rate_changed_after_billing_leaves_the_invoice_alone(app, world):
    actor = world.owner_actor
    a = world.agency.id
    invoice = draft(actor, world.team.client)
    _bill(actor, invoice, world.ids[:1])
    issue_invoice(actor, invoice)
    # From the start (every day, the billed one too), and a change of the client's own rate.
    bill_rate(a, "client", 12000, client_id=world.client_id)
    world.team.client.bill_rate_minor = 15000
    db.session.flush()
    db.session.expire_all()
    issued = db.session.get(Invoice, invoice.id)
    assert issued.total_minor == 6000
    assert [(ln.quantity, ln.unit_price_minor) for ln in issued.lines] == [(Decimal("1"), 6000)]
    # Time not billed yet follows the rates: the dated row (the client's own rate is only
    # what applies before any), and a change from a later day does not reach back.
    bill_rate(a, "client", 13000, client_id=world.client_id, day=YESTERDAY)
    later = draft(actor, world.team.client)
    (line,) = _bill(actor, later, world.ids[1:2])
    assert line.unit_price_minor == 12000


def test_time_is_never_a_price_override(app, world):
    invoice = draft(world.owner_actor, world.team.client)
    with pytest.raises(ValidationFailed) as refused:
        _bill(world.owner_actor, invoice, world.ids, unit_price_minor=100)
    assert "unit_price" in refused.value.errors
