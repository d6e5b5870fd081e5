"""The accounting exports parsed back: a balanced double-entry journal (a credit note
reverses its invoice), Xero's and QuickBooks Online's import columns, payments and approved
time; drafts and void documents left out; the period in the agency's time zone; people's
text that would start a spreadsheet formula neutralised."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine

from app.core.tenancy import all_tenants
from app.extensions import db
from app.ledger import formats
from tests.clients.support import api, make_team, web
from tests.factories import ClientFactory
from tests.ledger.support import MARCH, document, parse, payment
from tests.reports.support import add_entry

UTC = dt.UTC


@pytest.fixture
def books():
    """A Tokyo agency (UTC+9) with a March of documents of a EUR client:

    INV-1  1 Mar 01:00 Tokyo (28 Feb 16:00 UTC)  10 h x 100.00 + 15 % VAT = 1150.00
    CN-1   15 Mar, crediting INV-1               -2 h x 100.00 + 15 % VAT = -230.00
    INV-2  void; a draft; INV-3 on 1 Apr 00:30 Tokyo (31 Mar 15:30 UTC): none exported.
    """
    team = make_team(time_zone="Asia/Tokyo")
    client = ClientFactory(agency=team.agency, name="Harbour Bakery", currency="EUR")
    inv1 = document(
        client, "INV-1", dt.datetime(2026, 2, 28, 16, tzinfo=UTC),
        [("Bookkeeping", "10", 10000, "0.15")],
    )  # fmt: skip
    cn1 = document(
        client, "CN-1", dt.datetime(2026, 3, 15, 3, tzinfo=UTC),
        [("Bookkeeping", "-2", 10000, "0.15")], kind="credit_note", credited=inv1,
    )  # fmt: skip
    document(
        client, "INV-2", dt.datetime(2026, 3, 10, tzinfo=UTC), [("Void", "1", 5000, "0")],
        status="void",
    )  # fmt: skip
    document(client, None, None, [("Draft", "1", 7000, "0")], status="draft")
    document(
        client, "INV-3", dt.datetime(2026, 3, 31, 15, 30, tzinfo=UTC), [("Apr", "1", 900, "0")]
    )
    return team, client, inv1, cn1


def _get(app, team, query: str):
    return web(app, team.owner).get(f"/{team.slug}/accounting-exports/download?{query}")


def test_the_journal_balances_per_document_and_a_credit_note_reverses(app, books):
    team, _client, _inv, _cn = books
    rows = parse(_get(app, team, f"format=journal&what=documents&{MARCH}"), formats.JOURNAL_COLUMNS)
    by_doc = defaultdict(list)
    for row in rows:
        by_doc[row["reference"]].append(row)
    assert list(by_doc) == ["INV-1", "CN-1"]  # no void, no draft, no April
    for lines in by_doc.values():
        debits = sum(Decimal(r["debit"] or 0) for r in lines)
        credits = sum(Decimal(r["credit"] or 0) for r in lines)
        assert debits == credits
    invoice = {r["account"]: (r["debit"], r["credit"]) for r in by_doc["INV-1"]}
    assert invoice == {"1100": ("1150.00", ""), "4000": ("", "1000.00"), "2200": ("", "150.00")}
    note = {r["account"]: (r["debit"], r["credit"]) for r in by_doc["CN-1"]}
    assert note == {"1100": ("", "230.00"), "4000": ("200.00", ""), "2200": ("30.00", "")}
    first = by_doc["INV-1"][0]
    # issued 28 Feb 16:00 UTC is 1 March in Tokyo: in March, dated so
    assert (first["date"], first["journal"], first["currency"]) == ("2026-03-01", "sales", "EUR")
    assert "Harbour Bakery" in first["description"]
    assert "INV-1" in by_doc["CN-1"][0]["description"]


def test_the_period_is_days_in_the_agencys_zone(app, books):
    team, *_ = books
    feb = parse(
        _get(app, team, "format=journal&what=documents&date_from=2026-02-01&date_to=2026-02-28")
    )
    assert feb == []  # 28 Feb 16:00 UTC is already March in Tokyo
    april = parse(
        _get(app, team, "format=xero&what=documents&date_from=2026-04-01&date_to=2026-04-01")
    )
    assert [r["*InvoiceNumber"] for r in april] == ["INV-3"]


def test_xero_invoice_columns(app, books):
    team, *_ = books
    rows = parse(
        _get(app, team, f"format=xero&what=documents&{MARCH}"), formats.XERO_INVOICE_COLUMNS
    )
    assert [r["*InvoiceNumber"] for r in rows] == ["INV-1", "CN-1"]
    inv, note = rows
    assert inv["*ContactName"] == "Harbour Bakery"
    assert (inv["*Quantity"], inv["*UnitAmount"], inv["TaxAmount"]) == ("10", "100.00", "150.00")
    assert (inv["*AccountCode"], inv["*TaxType"], inv["Currency"]) == ("4000", "VAT", "EUR")
    assert inv["*InvoiceDate"] == "2026-02-28" and inv["*DueDate"] == "2026-03-15"
    # Xero makes a negative line a credit note
    assert Decimal(note["*Quantity"]) * Decimal(note["*UnitAmount"]) == Decimal("-200.00")
    assert note["Reference"] == "Credit on INV-1"


def test_quickbooks_invoice_columns(app, books):
    team, *_ = books
    resp = api(app, team.owner).get(f"/accounting-exports?format=quickbooks&what=documents&{MARCH}")
    rows = parse(resp, formats.QUICKBOOKS_INVOICE_COLUMNS)
    assert [r["InvoiceNo"] for r in rows] == ["INV-1", "CN-1"]
    inv, note = rows
    assert inv["Customer"] == "Harbour Bakery"
    assert (inv["ItemQuantity"], inv["ItemRate"], inv["ItemAmount"]) == ("10", "100.00", "1000.00")
    assert (inv["ItemTaxAmount"], inv["Currency"]) == ("150.00", "EUR")
    assert (note["ItemAmount"], note["Memo"]) == ("-200.00", "Credit note on INV-1")


def test_payments_in_each_format(app, books):
    team, _client, inv1, _cn = books
    payment(inv1, dt.date(2026, 3, 20), 50000)
    payment(inv1, dt.date(2026, 3, 22), 10000, kind="refund")
    payment(inv1, dt.date(2026, 4, 1), 70000)  # another month
    rows = parse(_get(app, team, f"format=journal&what=payments&{MARCH}"))
    pairs = [(r["date"], r["account"], r["debit"], r["credit"]) for r in rows]
    assert pairs == [
        ("2026-03-20", "1000", "500.00", ""), ("2026-03-20", "1100", "", "500.00"),
        ("2026-03-22", "1000", "", "100.00"), ("2026-03-22", "1100", "100.00", ""),
    ]  # fmt: skip
    assert {r["journal"] for r in rows} == {"bank"}
    xero = parse(
        _get(app, team, f"format=xero&what=payments&{MARCH}"), formats.XERO_PAYMENT_COLUMNS
    )
    assert [(r["*Date"], r["*Amount"], r["Payee"]) for r in xero] == [
        ("2026-03-20", "500.00", "Harbour Bakery"), ("2026-03-22", "-100.00", "Harbour Bakery"),
    ]  # fmt: skip
    qbo = parse(_get(app, team, f"format=quickbooks&what=payments&{MARCH}"))
    assert [(r["InvoiceNo"], r["Amount"], r["Currency"]) for r in qbo] == [
        ("INV-1", "500.00", "EUR"), ("INV-1", "-100.00", "EUR"),
    ]  # fmt: skip


def test_amounts_use_the_currencys_own_decimals(app):
    team = make_team()
    yen = ClientFactory(agency=team.agency, name="Kyoto Tea", currency="JPY")
    document(yen, "INV-Y", dt.datetime(2026, 3, 5, tzinfo=UTC), [("Tea", "3", 1500, "0")])
    rows = parse(_get(app, team, f"format=journal&what=documents&{MARCH}"))
    assert [(r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("1100", "4500", ""), ("4000", "", "4500"),
    ]  # fmt: skip


def test_approved_time_only_with_its_invoice(app):
    team = make_team()
    day = dt.date(2026, 3, 3)
    add_entry(team.va, team.client.id, day, 90, state="approved")
    add_entry(team.va, team.client.id, day, 45, state="billed", billable=False)
    add_entry(team.va, team.client.id, day, 30, state="open")
    add_entry(team.va, team.client.id, dt.date(2026, 4, 1), 60, state="approved")
    rows = parse(_get(app, team, f"format=journal&what=time&{MARCH}"), formats.TIME_COLUMNS)
    assert sorted((r["hours"], r["billable"], bool(r["invoice_number"])) for r in rows) == [
        ("0.75", "no", True), ("1.50", "yes", False),
    ]  # fmt: skip
    assert {(r["date"], r["person"], r["client"]) for r in rows} == {
        ("2026-03-03", team.va.user.name, team.client.name)
    }


def test_formula_like_names_come_out_as_text(app):
    team = make_team()
    evil = ClientFactory(
        agency=team.agency, name='=HYPERLINK("http://x.test","pay")', currency="EUR"
    )
    inv = document(evil, "INV-9", dt.datetime(2026, 3, 5, tzinfo=UTC), [("=1+1", "1", 100, "0")])
    payment(inv, dt.date(2026, 3, 6), 100)
    xero = parse(_get(app, team, f"format=xero&what=documents&{MARCH}"))
    assert xero[0]["*ContactName"] == "'" + evil.name
    assert xero[0]["*Description"] == "'=1+1"
    qbo = parse(_get(app, team, f"format=quickbooks&what=payments&{MARCH}"))
    assert qbo[0]["Customer"].startswith("'=")
    journal = parse(_get(app, team, f"format=journal&what=documents&{MARCH}"))
    assert all(not r["description"].startswith("=") for r in journal)
    for rows in (xero, qbo, journal):
        for row in rows:
            assert not any(v and v[0] in "=+-@" and not v[1:2].isdigit() for v in row.values())


def test_without_dates_it_is_last_month_in_the_agencys_zone(app, books):
    team, *_ = books
    # 31 March 15:45 UTC is already 1 April in Tokyo: last month is March there
    with time_machine.travel(dt.datetime(2026, 3, 31, 15, 45, tzinfo=UTC), tick=False):
        rows = parse(api(app, team.owner).get("/accounting-exports"), formats.JOURNAL_COLUMNS)
        page = web(app, team.owner).get(f"/{team.slug}/accounting-exports").get_data(as_text=True)
    assert [r["reference"] for r in rows][::3] == ["INV-1", "CN-1"]
    assert 'value="2026-03-01"' in page and 'value="2026-03-31"' in page


def test_a_discounted_line_is_one_times_its_net_amount(app):
    team = make_team()
    client = ClientFactory(agency=team.agency, name="Cedar Dental", currency="EUR")
    inv = document(
        client, "INV-D", dt.datetime(2026, 3, 5, tzinfo=UTC), [("Calls", "3", 3333, "0")]
    )
    with all_tenants():
        db.session.refresh(inv)
        line = inv.lines[0]
        line.discount_percent, line.net_minor = Decimal(10), 9000
        inv.subtotal_minor = inv.total_minor = 9000
        db.session.flush()
    xero = parse(_get(app, team, f"format=xero&what=documents&{MARCH}"))
    assert (xero[0]["*Quantity"], xero[0]["*UnitAmount"]) == ("1", "90.00")
    qbo = parse(_get(app, team, f"format=quickbooks&what=documents&{MARCH}"))
    assert (qbo[0]["ItemQuantity"], qbo[0]["ItemRate"], qbo[0]["ItemAmount"]) == (
        "1",
        "90.00",
        "90.00",
    )
