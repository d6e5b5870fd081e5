"""Payout statements from the period's costs: lines per client and SOP, one statement per
person, period and currency, idempotent generation, unpriced time blocking payment,
adjustments, review and mark paid, the lock, and late approvals carried to the next
period once."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.payouts.services import (
    accept_unpriced,
    add_adjustment,
    generate_period,
    mark_paid,
    regenerate_statement,
    review_statement,
)
from app.rates.costs import cost_groups, totals_by_currency
from app.work.models import WorkItem
from tests.payouts.support import FEB, MAR, actor_of, cost_rate, entry, generate, pay, statements


def test_a_period_makes_one_statement_per_person_and_currency_with_lines_per_client(in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1000, day=dt.date(2026, 1, 1))
    cost_rate(a, va, 1200, currency="EUR", day=dt.date(2026, 3, 5))  # paid in EUR from the 5th
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 2), seconds=5400)  # 1.5 h x 10.00 USD
    entry(a, va, tt.other_client_id, day=dt.date(2026, 3, 3), seconds=3600)  # 1 h x 10.00 USD
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 6), seconds=1800)  # 0.5 h x 12.00 EUR
    entry(a, va, tt.client_id, day=dt.date(2026, 2, 27), seconds=3600)  # February
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 4), seconds=900, approved=False)

    made = generate(tt, MAR)
    assert sorted((s.currency, s.total_minor, len(s.lines)) for s in made) == [
        ("EUR", 600, 1),
        ("USD", 2500, 2),
    ]
    usd = next(s for s in made if s.currency == "USD")
    assert sorted((ln.client_id, ln.seconds, ln.amount_minor) for ln in usd.lines) == sorted(
        [(tt.client_id, 5400, 1500), (tt.other_client_id, 3600, 1000)]
    )
    assert all(s.state == "draft" and s.period_start == MAR.start for s in made)
    # The statements add up to the period's cost, to the minor unit.
    assert totals_by_currency(cost_groups(MAR.start, MAR.end, "Europe/London")) == {
        s.currency: s.lines_minor for s in made
    }


def test_two_runs_make_one_statement_and_a_draft_follows_the_costs(in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1000)
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
    generate(tt, MAR)
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 3), seconds=3600)
    generate(tt, MAR)
    (only,) = statements(va)
    assert (only.total_minor, only.lines[0].seconds) == (2000, 7200)


def test_fees_are_lines_of_items_and_cover_their_time(in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    item = db.session.get(WorkItem, tt.work_item_id)
    item.assignee_id = va
    cost_rate(a, va, 1000)
    cost_rate(a, va, 4000, kind="per_item", sop_id=item.sop_id)
    entry(a, va, tt.client_id, work_item_id=item.id, day=dt.date(2026, 3, 2), seconds=7200)
    item.delivered_at = dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC)
    db.session.flush()
    (s,) = generate(tt, MAR)
    kinds = sorted((ln.kind, ln.items, ln.seconds, ln.amount_minor) for ln in s.lines)
    assert kinds == [("covered", 0, 7200, 0), ("fee", 1, 0, 4000)]
    assert s.total_minor == 4000


def test_unpriced_time_blocks_paying_until_accepted(in_agency):
    tt = in_agency
    entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 3, 2), seconds=2700)
    (s,) = generate(tt, MAR)
    assert (s.currency, s.unpriced_seconds, s.total_minor) == ("USD", 2700, 0)
    owner = actor_of(tt.owner)
    review_statement(owner, s)
    with pytest.raises(Conflict):
        pay(tt, s)
    accept_unpriced(owner, s)
    pay(tt, s)
    assert s.state == "paid"


def test_adjustments_need_a_reason_and_change_the_total(in_agency):
    tt = in_agency
    cost_rate(tt.agency.id, tt.va.id, 1000)
    entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
    (s,) = generate(tt, MAR)
    manager = actor_of(tt.manager)
    owner = actor_of(tt.owner)
    add_adjustment(owner, s, {"kind": "bonus", "amount": "5.50", "reason": "Weekend cover"})
    add_adjustment(owner, s, {"kind": "deduction", "amount": "2", "reason": "Advance"})
    assert (s.lines_minor, s.adjustments_minor, s.total_minor) == (1000, 350, 1350)
    with pytest.raises(ValidationFailed) as err:
        add_adjustment(owner, s, {"kind": "bonus", "amount": "0", "reason": "x"})
    assert "amount" in err.value.errors
    # A draft keeps its adjustments when it is regenerated.
    regenerate_statement(owner, s)
    assert s.total_minor == 1350
    assert manager.role == "manager"


def test_paying_needs_review_the_exact_total_and_then_locks(in_agency):
    tt = in_agency
    cost_rate(tt.agency.id, tt.va.id, 1000)
    entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
    (s,) = generate(tt, MAR)
    owner = actor_of(tt.owner)
    data = {"amount": "10.00", "paid_on": dt.date(2026, 3, 10), "method": "paypal"}
    with pytest.raises(Conflict):
        mark_paid(owner, s, data)  # not reviewed
    review_statement(owner, s)
    with pytest.raises(ValidationFailed) as err:
        mark_paid(owner, s, {**data, "amount": "9.99"})
    assert "amount" in err.value.errors
    mark_paid(owner, s, data)
    assert (s.state, s.paid_amount_minor, s.paid_method) == ("paid", 1000, "paypal")

    # Locked: no adjustment, no second payment, no regeneration changes it.
    with pytest.raises(Conflict):
        add_adjustment(owner, s, {"kind": "bonus", "amount": "1", "reason": "late"})
    with pytest.raises(Conflict):
        mark_paid(owner, s, data)
    with pytest.raises(Conflict):
        regenerate_statement(owner, s)
    entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 3, 3), seconds=3600)
    generate(tt, MAR)
    (same,) = statements(tt.va.id)
    assert (same.id, same.state, same.total_minor, len(same.lines)) == (s.id, "paid", 1000, 1)


def test_time_approved_after_payment_is_carried_to_the_next_statement_once(in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1000)
    entry(a, va, tt.client_id, day=dt.date(2026, 2, 10), seconds=3600)
    (feb,) = generate(tt, FEB)
    pay(tt, feb)
    late = entry(a, va, tt.client_id, day=dt.date(2026, 2, 12), seconds=1800, approved=False)
    late.approved_at = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)  # approved after the payment
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
    db.session.flush()

    (mar,) = generate(tt, MAR)
    carried = [ln for ln in mar.lines if ln.source_start == FEB.start]
    assert [(ln.seconds, ln.amount_minor) for ln in carried] == [(1800, 500)]
    assert mar.total_minor == 1000 + 500
    # Generating again (and February again) counts nothing twice.
    generate(tt, MAR)
    generate(tt, FEB)
    feb_s, mar_s = statements(va)
    assert (feb_s.total_minor, mar_s.total_minor) == (1000, 1500)
    # Every cost of the two months is on exactly one statement.
    cost = totals_by_currency(cost_groups(FEB.start, MAR.end, "Europe/London"))
    assert cost == {"USD": feb_s.lines_minor + mar_s.lines_minor}


def test_a_correction_after_payment_is_a_negative_carried_line(in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1000)
    wrong = entry(a, va, tt.client_id, day=dt.date(2026, 2, 10), seconds=7200)
    (feb,) = generate(tt, FEB)
    pay(tt, feb)
    wrong.duration_seconds = 3600  # corrected after it was paid
    entry(a, va, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
    db.session.flush()
    (mar,) = generate(tt, MAR)
    assert sorted(ln.amount_minor for ln in mar.lines) == [-1000, 1000]
    assert mar.total_minor == 0


def test_someone_paid_in_february_with_no_time_in_march_gets_a_statement_of_the_carry(in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1000)
    entry(a, va, tt.client_id, day=dt.date(2026, 2, 10), seconds=3600)
    (feb,) = generate(tt, FEB)
    pay(tt, feb)
    entry(a, va, tt.client_id, day=dt.date(2026, 2, 11), seconds=3600)
    made = generate_period(actor_of(tt.owner), MAR)
    assert [(s.period_start, s.total_minor) for s in made] == [(MAR.start, 1000)]


def test_the_pdf_html_is_in_the_persons_language_with_their_digits(app, in_agency):
    from app.payouts.documents import render_statement_html, statement_context
    from app.payouts.queries import statement_with_details

    tt = in_agency
    tt.va.user.locale = "ar_EG"
    cost_rate(tt.agency.id, tt.va.id, 1000)
    entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 3, 2), seconds=5400)
    (s,) = generate(tt, MAR)
    html = render_statement_html(statement_context(statement_with_details(s.id)))
    assert 'dir="rtl"' in html and "كشف الدفع" in html
    assert "١٫٥٠" in html  # 1.50 hours in Eastern Arabic digits
