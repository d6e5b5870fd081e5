"""Lines and terms: manual lines with discounts and agency tax rates (snapshotted), lines
from service packages and delivered work items (billed once), the line-source interface
time tracking will use, deposits deducted from final invoices, and each currency's own
exponent in input and output."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from app.core.errors import Conflict, ValidationFailed
from app.invoices import line_sources as line_module
from app.invoices.line_sources import Candidate, LineDraft, register_line_source
from app.invoices.lines import add_line, add_lines_from_source, remove_line, update_line
from app.invoices.services import create_invoice, issue_invoice, void_invoice
from app.invoices.settings import update_tax_rate
from app.payments.deposits import create_deposit_invoice, deduct_deposit
from app.payments.services import record_payment
from tests.clients.support import api
from tests.factories import ClientFactory, ServicePackageFactory, WorkItemFactory
from tests.invoices.support import draft, tax_rate


def test_manual_lines_discounts_and_taxes(team, owner):
    vat = tax_rate(owner, "20")
    incl = tax_rate(owner, "15", inclusive=True, name="GST")
    invoice = draft(
        owner,
        team.client,
        ("Design", 2, 4999, vat, "10"),  # 99.98 - 10 % = 89.98 + 18.00
        ("Licence", 1, 11500, incl),  # 115.00 incl. 15 %: 100.00 + 15.00
        ("Travel", Decimal("1.5"), 1000),  # 15.00, untaxed
    )
    assert [(ln.net_minor, ln.tax_minor, ln.gross_minor) for ln in invoice.lines] == [
        (8998, 1800, 10798),
        (10000, 1500, 11500),
        (1500, 0, 1500),
    ]
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (20498, 3300, 23798)
    line = invoice.lines[0]
    assert (line.tax_name, line.tax_rate, line.tax_inclusive) == ("VAT", Decimal("0.2"), False)

    # Changing the agency's rate later does not touch lines already written.
    update_tax_rate(owner, vat, {"rate_percent": Decimal("25")})
    update_line(owner, line, {"description": "Design work"})
    assert line.tax_rate == Decimal("0.2") and invoice.total_minor == 23798

    update_line(owner, invoice.lines[2], {"quantity": Decimal(2), "tax_rate_id": vat.id})
    assert invoice.lines[2].tax_rate == Decimal("0.25")  # re-chosen: today's rate
    assert invoice.lines[2].gross_minor == 2500
    remove_line(owner, invoice.lines[1])
    assert [ln.description for ln in invoice.lines] == ["Design work", "Travel"]
    assert invoice.total_minor == 10798 + 2500


def test_retired_and_foreign_tax_rates_are_refused(team, other, owner):
    vat = tax_rate(owner, "20")
    update_tax_rate(owner, vat, {"active": False})
    invoice = draft(owner, team.client)
    with pytest.raises(ValidationFailed) as exc:
        add_line(owner, invoice, {"description": "x", "unit_price_minor": 1, "tax_rate_id": vat.id})
    assert exc.value.errors == {"tax_rate_id": ["This tax rate is no longer in use."]}
    with pytest.raises(ValidationFailed) as exc:
        add_line(owner, invoice, {"description": "x", "tax_rate_id": 2_000_000_000})
    assert exc.value.errors == {
        "unit_price": ["Enter an amount."],
        "tax_rate_id": ["Does not exist."],
    }


def test_package_lines_at_their_fixed_price(team, owner):
    fixed = ServicePackageFactory(agency=team.agency, name="Inbox zero", price_minor=45000)
    hourly = ServicePackageFactory(agency=team.agency, name="Ad hoc", pricing="hourly")
    euro = ServicePackageFactory(agency=team.agency, name="Euro pack", currency="EUR")
    invoice = draft(owner, team.client)
    added = add_lines_from_source(owner, invoice, {"source": "package", "ids": [fixed.id]})
    assert [(ln.kind, ln.description, ln.unit_price_minor) for ln in added] == [
        ("package", "Inbox zero", 45000)
    ]
    assert (added[0].source_type, added[0].source_id) == ("package", fixed.id)
    with pytest.raises(ValidationFailed) as exc:
        add_lines_from_source(
            owner, invoice, {"source": "package", "ids": [hourly.id, euro.id, 2_000_000_000]}
        )
    assert exc.value.errors["ids"] == [
        "Does not exist: 2000000000.",
        "Ad hoc is hourly; bill it from time entries.",
        "Euro pack is priced in EUR, this invoice in USD.",
    ]
    assert len(invoice.lines) == 1


def test_delivered_work_items_are_billed_once(team, owner):
    package = ServicePackageFactory(agency=team.agency, price_minor=2500)
    team.client.service_package_id = package.id
    delivered_at = dt.datetime(2026, 11, 3, 15, tzinfo=dt.UTC)
    done = [
        WorkItemFactory(client=team.client, state="delivered", delivered_at=delivered_at,
                        checklist=False, title=f"Report {n}")
        for n in range(3)
    ]  # fmt: skip
    open_item = WorkItemFactory(client=team.client, state="in_progress", checklist=False)
    elsewhere = WorkItemFactory(
        client=ClientFactory(agency=team.agency), state="delivered", checklist=False
    )
    invoice = draft(owner, team.client)
    candidates = line_module.get_line_source("work_item").candidates(invoice)
    assert sorted(c.id for c in candidates) == sorted(w.id for w in done)

    added = add_lines_from_source(
        owner, invoice, {"source": "work_item", "ids": [done[0].id, done[1].id]}
    )
    assert [ln.unit_price_minor for ln in added] == [2500, 2500]  # the package's fixed price
    assert added[0].description == "Report 0 (delivered 3 Nov 2026)"
    assert added[0].kind == "work_item"

    second = draft(owner, team.client)
    with pytest.raises(ValidationFailed) as exc:
        add_lines_from_source(
            owner,
            second,
            {"source": "work_item", "ids": [done[0].id, open_item.id, elsewhere.id]},
        )
    assert exc.value.errors["ids"] == [
        "“Report 0” is already on an invoice.",
        f"“{open_item.title}” is not delivered yet.",
        f"“{elsewhere.title}” is work for another client.",
    ]
    assert [c.id for c in line_module.get_line_source("work_item").candidates(second)] == [
        done[2].id
    ]
    # A voided invoice frees its work items again.
    issue_invoice(owner, invoice)
    void_invoice(owner, invoice)
    again = add_lines_from_source(
        owner, second, {"source": "work_item", "ids": [done[0].id], "unit_price_minor": 9900}
    )
    assert again[0].unit_price_minor == 9900


def test_work_items_need_a_fee_when_the_client_has_no_fixed_price(team, owner):
    item = WorkItemFactory(client=team.client, state="delivered", checklist=False)
    invoice = draft(owner, team.client)
    with pytest.raises(ValidationFailed) as exc:
        add_lines_from_source(owner, invoice, {"source": "work_item", "ids": [item.id]})
    assert "Enter the fee per work item" in exc.value.errors["unit_price"][0]
    with pytest.raises(ValidationFailed) as exc:
        add_lines_from_source(owner, invoice, {"source": "work_item", "ids": []})
    assert exc.value.errors["ids"] == ["Choose at least one."]


class HoursSource:
    """A source a plug-in registers: billable hours as lines of kind 'time'."""

    name = "time"
    title = "Billable time"

    def candidates(self, invoice, limit=100):
        return [Candidate(7, "Week 45", "6.5 h", 6000)]

    def lines_for(self, invoice, ids, fee_minor, errors, options=None):
        if ids != [7]:
            errors["ids"] = ["Unknown time entries."]
            return []
        return [
            LineDraft(
                "Week 45: 6.5 h",
                fee_minor or 6000,
                quantity=Decimal("6.5"),
                kind="time",
                source_type="time",
                source_id=7,
            )
        ]


def test_a_new_line_source_plugs_in_through_the_registry(app, team, owner, monkeypatch):
    monkeypatch.setattr(line_module, "_SOURCES", dict(line_module._SOURCES))
    register_line_source(HoursSource())
    invoice = draft(owner, team.client)
    from app.extensions import db

    db.session.commit()
    resp = api(app, team.owner).post(
        f"/invoices/{invoice.id}/lines/import", json={"source": "time", "ids": [7]}
    )
    assert resp.status_code == 201, resp.json
    [line] = resp.json["lines"]
    assert (line["kind"], line["quantity"], line["gross_minor"]) == ("time", "6.5", 39000)
    resp = api(app, team.owner).post(
        f"/invoices/{invoice.id}/lines/import", json={"source": "mileage", "ids": [1]}
    )
    assert resp.status_code == 422 and "source" in resp.json["errors"]


def test_deposit_upfront_then_deducted_on_the_final_invoice(team, owner):
    vat = tax_rate(owner, "20")
    client = ClientFactory(agency=team.agency, deposit_percent=50, currency="EUR")
    deposit = create_deposit_invoice(
        owner,
        client,
        {"description": "Website relaunch", "amount": Decimal("3000.01"), "tax_rate_id": vat.id},
    )
    assert deposit.is_deposit and deposit.status == "draft" and deposit.currency == "EUR"
    [line] = deposit.lines
    assert line.kind == "deposit" and line.unit_price_minor == 150001  # 1,500.005 -> half up
    assert "Deposit (50 %) for Website relaunch" in line.description
    assert deposit.total_minor == 180001

    final = draft(owner, client, ("Website relaunch", 1, 300001, vat))
    with pytest.raises(ValidationFailed) as exc:
        deduct_deposit(owner, final, {"deposit_invoice_id": deposit.id})
    assert "Not a paid deposit" in exc.value.errors["deposit_invoice_id"][0]
    issue_invoice(owner, deposit)
    record_payment(owner, deposit, {"amount_minor": deposit.total_minor})
    deduct_deposit(owner, final, {"deposit_invoice_id": deposit.id})
    assert final.deposit_invoice_id == deposit.id
    deduction = final.lines[-1]
    assert deduction.kind == "deposit_deduction" and deduction.quantity == -1
    assert deduction.description == f"Less deposit paid ({deposit.number})"
    assert final.total_minor == 360001 - 180001
    assert final.tax_minor == 60000 - 30000

    other_final = draft(owner, client, ("Extra", 1, 100))
    with pytest.raises(ValidationFailed):
        deduct_deposit(owner, other_final, {"deposit_invoice_id": deposit.id})  # once only
    with pytest.raises(Conflict, match="already deducts a deposit"):
        deduct_deposit(owner, final, {"deposit_invoice_id": deposit.id})
    remove_line(owner, deduction)
    assert final.deposit_invoice_id is None
    deduct_deposit(owner, other_final, {"deposit_invoice_id": deposit.id})


def test_deposits_need_a_deposit_percentage(team, owner):
    with pytest.raises(Conflict, match="has no deposit percentage"):
        create_deposit_invoice(owner, team.client, {"description": "X", "amount_minor": 100})


def test_terms_come_from_the_client_and_can_change_on_the_draft(team, owner):
    from app.invoices.services import update_invoice

    client = ClientFactory(agency=team.agency, net_days=45, locale="ar", currency="KWD")
    invoice = create_invoice(owner, {"client_id": client.id})
    assert (invoice.net_days, invoice.locale, invoice.currency) == (45, "ar", "KWD")
    update_invoice(owner, invoice, {"net_days": 7, "period_label": "November 2026"})
    assert invoice.net_days == 7 and invoice.period_label == "November 2026"
    with pytest.raises(ValidationFailed) as exc:
        create_invoice(owner, {"client_id": 2_000_000_000})
    assert exc.value.errors == {"client_id": ["Does not exist."]}


@pytest.mark.parametrize(
    ("currency", "typed", "minor", "shown"),
    [
        ("JPY", Decimal("1234"), 1234, "¥1,234"),
        ("EUR", Decimal("1234.5"), 123450, "€1,234.50"),
        ("KWD", Decimal("1.234"), 1234, "KWD1.234"),
        ("BHD", Decimal("0.005"), 5, "BHD0.005"),
    ],
)
def test_each_currency_uses_its_own_exponent(team, owner, currency, typed, minor, shown):
    client = ClientFactory(agency=team.agency, currency=currency)
    invoice = create_invoice(owner, {"client_id": client.id})
    line = add_line(owner, invoice, {"description": "Work", "unit_price": typed})
    assert line.unit_price_minor == minor and invoice.total_minor == minor
    from app.invoices.lines import money_of

    assert money_of(invoice, invoice.total_minor) == shown


@pytest.mark.parametrize(
    ("currency", "typed", "message"),
    [
        ("JPY", Decimal("12.5"), "JPY amounts have no decimals."),
        ("EUR", Decimal("1.234"), "EUR amounts have 2 decimals."),
        ("USD", Decimal("0.001"), "USD amounts have 2 decimals."),
    ],
)
def test_more_decimals_than_the_currency_has_are_refused(team, owner, currency, typed, message):
    client = ClientFactory(agency=team.agency, currency=currency)
    invoice = create_invoice(owner, {"client_id": client.id})
    with pytest.raises(ValidationFailed) as exc:
        add_line(owner, invoice, {"description": "Work", "unit_price": typed})
    assert exc.value.errors == {"unit_price": [message]}


def test_billing_delivered_work_without_a_fee_keeps_the_ticks_and_says_why(app, team, owner):
    from tests.clients.support import web

    items = [
        WorkItemFactory(client=team.client, state="delivered", checklist=False, title=f"Post {n}")
        for n in range(3)
    ]
    invoice = draft(owner, team.client)
    browser = web(app, team.owner)
    page = browser.get(f"/{team.slug}/invoices/{invoice.id}").get_data(as_text=True)
    # Before submitting, the form says a fee is needed (the client has no fixed price).
    assert 'data-testid="fee-needed"' in page
    resp = browser.post(
        f"/{team.slug}/invoices/{invoice.id}/lines/import",
        data={"source": "work_item", "ids": [str(items[0].id), str(items[2].id)]},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    card = html.split('data-testid="source-work_item"', 1)[1].split('data-testid="source-', 1)[0]
    ticked = re.findall(r'name="ids" value="(\d+)" checked', card)
    assert sorted(ticked) == sorted([str(items[0].id), str(items[2].id)])
    assert "Enter the fee per work item" in card and 'data-field-error="unit_price"' in card
    # With a fee the same selection is billed.
    resp = browser.post(
        f"/{team.slug}/invoices/{invoice.id}/lines/import",
        data={"source": "work_item", "ids": ticked, "unit_price": "25"},
    )
    assert resp.status_code == 302
