"""Margin per client, person and SOP (app.margin.services): billed is issued invoices net of
credit notes and before tax, attributed to people and SOPs through the lines' sources;
cost comes from app.rates.costs; the base currency uses the stored exchange rates and says
which rate is missing instead of counting 0."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.extensions import db
from app.fx.convert import MissingRate
from app.margin.services import margin_report
from app.margin.summary import month_margin
from app.work.models import WorkItem
from tests.factories import ClientFactory, MembershipFactory
from tests.margin.support import ISSUED, MONTH, bill_entries, fx_rate, invoice
from tests.rates.support import cost_rate, entry

NEXT = dt.date(2026, 4, 1)


def _row(report, key):
    return next(r for r in report.rows if r.key == key)


def test_billed_is_issued_invoices_before_tax_net_of_credit_notes(app, in_agency):
    tt = in_agency
    a, c = tt.agency.id, tt.client_id
    inv = invoice(a, c, 100000, tax=20000)
    invoice(a, c, 30000 * -1, kind="credit_note", credited=inv)
    invoice(a, c, 55500, status="draft")  # not issued
    invoice(a, c, 44400, status="void")  # void
    invoice(a, c, 77700, issued_at=ISSUED - dt.timedelta(days=30))  # February
    report = margin_report(MONTH, "client")
    row = _row(report, c)
    assert row.billed == {"USD": 70000}
    assert row.billed_base == 70000
    assert row.unattributed == {"USD": 70000}
    assert report.total.billed_base == 70000
    feb, mar = report.chart[-2], report.chart[-1]
    assert (feb.billed_base, mar.billed_base) == (77700, 70000)


def test_a_credit_note_in_a_later_month_lowers_that_month(app, in_agency):
    tt = in_agency
    a, c = tt.agency.id, tt.client_id
    inv = invoice(a, c, 100000, issued_at=ISSUED - dt.timedelta(days=30))
    invoice(a, c, -100000, kind="credit_note", credited=inv)
    report = margin_report(MONTH, "client")
    assert _row(report, c).billed == {"USD": -100000}
    assert report.chart[-2].billed_base == 100000


def test_lines_with_a_source_are_attributed_to_people_and_sops(app, in_agency):
    tt = in_agency
    a, c, va = tt.agency.id, tt.client_id, tt.va.id
    other = MembershipFactory(agency=tt.agency, role="va")
    item = db.session.get(WorkItem, tt.work_item_id)
    item.assignee_id = va
    db.session.flush()
    e1 = entry(a, va, c, work_item_id=item.id, day=MONTH, seconds=3600)
    e2 = entry(a, other.id, c, day=MONTH, seconds=1800)
    inv = invoice(
        a,
        c,
        100000,
        lines=[
            {"net_minor": 50000, "source_type": "work_item", "source_id": item.id},
            {"net_minor": 30000, "source_type": "time", "source_id": None},
            {"net_minor": 20000},
        ],
    )
    time_line = sorted(inv.lines, key=lambda ln: ln.position)[1]
    bill_entries(time_line.id, inv.id, e1, e2)
    by_va = margin_report(MONTH, "va")
    assert _row(by_va, va).billed == {"USD": 70000}  # the item + 2/3 of the time
    assert _row(by_va, other.id).billed == {"USD": 10000}
    assert _row(by_va, None).billed == {"USD": 20000}  # the manual line: not attributed
    by_sop = margin_report(MONTH, "sop")
    assert _row(by_sop, item.sop_id).billed == {"USD": 70000}
    assert _row(by_sop, None).billed == {"USD": 30000}
    by_client = margin_report(MONTH, "client")
    assert _row(by_client, c).billed == {"USD": 100000}
    assert _row(by_client, c).unattributed == {"USD": 20000}
    # every grouping adds up to the same total
    assert by_va.total.billed_base == by_sop.total.billed_base == 100000
    # a full credit note is shared like the invoice it credits
    invoice(a, c, -100000, kind="credit_note", credited=inv)
    by_va = margin_report(MONTH, "va")
    assert {r.key: r.billed.get("USD", 0) for r in by_va.rows} == {va: 0, other.id: 0, None: 0}


def test_a_client_that_costs_more_than_it_bills_is_flagged(app, in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 2000, day=MONTH)
    entry(a, va, tt.client_id, day=MONTH, seconds=3600 * 10)  # costs 200.00
    invoice(a, tt.client_id, 15000)  # bills 150.00
    entry(a, va, tt.other_client_id, day=MONTH, seconds=3600)  # costs 20.00
    invoice(a, tt.other_client_id, 50000)
    report = margin_report(MONTH, "client")
    losing, fine = _row(report, tt.client_id), _row(report, tt.other_client_id)
    assert (losing.cost_base, losing.margin_base, losing.losing) == (20000, -5000, True)
    assert losing.margin_percent == Decimal("-33.3")
    assert (fine.margin_base, fine.losing) == (48000, False)
    assert report.losing_count == 1
    only = margin_report(MONTH, "client", losing_only=True)
    assert [r.key for r in only.rows] == [tt.client_id]
    summary = month_margin("2026-03")
    assert (summary.billed_base, summary.cost_base, summary.margin_base) == (65000, 22000, 43000)
    assert summary.losing_clients == 1


def test_time_with_no_cost_rate_is_counted_apart(app, in_agency):
    tt = in_agency
    entry(tt.agency.id, tt.va.id, tt.client_id, day=MONTH, seconds=5400)
    report = margin_report(MONTH, "va")
    row = _row(report, tt.va.id)
    assert row.unpriced_seconds == 5400 and row.cost_base == 0
    assert row.unpriced_hours == Decimal("1.50")


def test_other_currencies_convert_at_the_stored_rate_or_say_which_is_missing(app, in_agency):
    tt = in_agency
    a = tt.agency.id
    eur = ClientFactory(agency=tt.agency, name="Brasserie", currency="EUR")
    invoice(a, eur.id, 100000, currency="EUR")
    invoice(a, tt.client_id, 10000)
    report = margin_report(MONTH, "client")
    row = _row(report, eur.id)
    assert row.billed == {"EUR": 100000} and row.billed_base is None
    assert report.total.billed_base is None  # never a silent 0
    assert report.total.billed == {"EUR": 100000, "USD": 10000}
    assert report.missing == [MissingRate("EUR", dt.date(2026, 3, 31))]
    fx_rate(a, "EUR", "1.08425", MONTH)  # 1,000.00 EUR = 1,084.25 USD
    fx_rate(a, "EUR", "2", NEXT)  # from April: not for March
    report = margin_report(MONTH, "client")
    assert _row(report, eur.id).billed_base == 108425
    assert report.total.billed_base == 118425
    assert report.missing == []
