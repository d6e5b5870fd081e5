"""The invoice pages: an owner drafts, edits (also through htmx), issues and records a
payment; issued invoices refuse edits with a clear message; bad input writes nothing;
client contacts see only their own issued invoices; VAs and QA see no money."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from app.core.jobs import OutboxJob
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.invoices.services import void_invoice
from app.payments.models import Payment
from tests.clients.support import count_rows, web
from tests.factories import ClientFactory
from tests.invoices.support import draft, fresh, issued, tax_rate


def _commit() -> None:
    db.session.commit()


def _minor(html: str, testid: str) -> int:
    m = re.search(rf'data-testid="{testid}"[^>]*>\s*<span[^>]*data-minor="(-?\d+)"', html)
    assert m, f"{testid} not on the page"
    return int(m.group(1))


def test_owner_drafts_edits_issues_and_records_a_payment(app, team, owner):
    vat = tax_rate(owner, "20")
    _commit()
    browser = web(app, team.owner)
    slug = team.slug
    resp = browser.post(
        f"/{slug}/invoices/new", data={"client_id": team.client.id, "period_label": "Nov 2026"}
    )
    assert resp.status_code == 302, resp.data
    invoice_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    page = browser.get(f"/{slug}/invoices/{invoice_id}").get_data(as_text=True)
    assert "Draft invoice" in page and 'data-testid="line-form"' in page

    resp = browser.post(
        f"/{slug}/invoices/{invoice_id}/lines",
        data={"description": "Inbox care", "quantity": "4", "unit_price": "37.50",
              "discount_percent": "0", "tax_rate_id": str(vat.id)},
    )  # fmt: skip
    assert resp.status_code == 302
    # htmx: the redirect is followed and only the editor is swapped in.
    resp = browser.post(
        f"/{slug}/invoices/{invoice_id}/lines",
        data={"description": "Setup", "unit_price": "10", "quantity": "1"},
        headers={"HX-Request": "true"},
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="invoice-editor"' in html
    assert _minor(html, "total") == 15000 + 3000 + 1000

    line_id = db.session.scalar(sa.select(InvoiceLine.id).where(InvoiceLine.description == "Setup"))
    edit = browser.get(f"/{slug}/invoice-lines/{line_id}/edit").get_data(as_text=True)
    assert "Edit line" in edit and 'value="Setup"' in edit
    resp = browser.post(
        f"/{slug}/invoice-lines/{line_id}/edit",
        data={"description": "Setup fee", "unit_price": "12", "quantity": "1"},
    )
    assert resp.status_code == 302
    assert browser.post(f"/{slug}/invoice-lines/{line_id}/delete").status_code == 302

    resp = browser.post(f"/{slug}/invoices/{invoice_id}/issue", follow_redirects=True)
    html = resp.get_data(as_text=True)
    invoice = fresh(Invoice, invoice_id)
    assert invoice.status == "issued" and invoice.number == "INV-" + invoice.number[4:]
    assert f"{invoice.number} issued" in html and 'data-status="issued"' in html
    assert _minor(html, "balance") == 18000
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.func.like("%render_and_send")))
    assert job.kwargs == {"invoice_id": invoice_id, "send": True} and job.queue == "pdf"

    resp = browser.post(
        f"/{slug}/invoices/{invoice_id}/payments",
        data={"amount": "180.00", "method": "paypal", "reference": "PP-1"},
        follow_redirects=True,
    )
    assert "Payment recorded." in resp.get_data(as_text=True)
    assert fresh(Invoice, invoice_id).status == "paid"


def test_issued_invoices_refuse_edits_with_a_clear_message(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    line_id = invoice.lines[0].id
    _commit()
    browser = web(app, team.owner)
    message = f"{invoice.number} is issued and can&#39;t be edited; issue a credit note instead."
    for url, data in (
        (f"/{team.slug}/invoices/{invoice.id}/lines", {"description": "More", "unit_price": "1"}),
        (
            f"/{team.slug}/invoice-lines/{line_id}/edit",
            {"description": "Changed", "unit_price": "1"},
        ),
        (f"/{team.slug}/invoice-lines/{line_id}/delete", {}),
        (f"/{team.slug}/invoices/{invoice.id}/edit", {"net_days": "99"}),
    ):
        resp = browser.post(url, data=data)
        assert resp.status_code == 409, url
        assert message in resp.get_data(as_text=True), url
    again = fresh(Invoice, invoice.id)
    assert again.net_days == 15 and len(again.lines) == 1
    assert again.lines[0].description == "Work" and again.total_minor == 5000
    # The editing page itself just shows the issued invoice.
    resp = browser.get(f"/{team.slug}/invoice-lines/{line_id}/edit")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{invoice.id}")


def test_bad_input_is_named_and_writes_nothing(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    unissued = draft(owner, team.client, ("Work", 1, 5000))
    _commit()
    browser = web(app, team.owner)
    pay = f"/{team.slug}/invoices/{invoice.id}/payments"
    add = f"/{team.slug}/invoices/{unissued.id}/lines"
    line = {"description": "x", "unit_price": "1"}
    cases = [
        (pay, {"amount": "12.345"}, "amount"),
        (pay, {"amount": "50.01"}, "amount"),
        (pay, {"amount": "1", "method": "gold"}, "method"),
        (f"/{team.slug}/invoices/{invoice.id}/credit-note", {"mode": "partial"}, "amount"),
        (add, {**line, "description": " "}, "description"),
        (add, {**line, "quantity": "0"}, "quantity"),
        (add, {**line, "discount_percent": "101"}, "discount_percent"),
        (add, {"description": "x"}, "unit_price"),
        (f"/{team.slug}/invoices/new", {"client_id": "2000000000"}, "client_id"),
        (
            f"/{team.slug}/invoice-settings",
            {"invoice_number_format": "INV-{client}", "credit_note_number_format": "CN-{seq}"},
            "invoice_number_format",
        ),
    ]
    before = (count_rows(Payment, team.agency.id), count_rows(InvoiceLine, team.agency.id))
    for url, data, field in cases:
        resp = browser.post(url, data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422, (url, data)
        assert f'data-field-error="{field}"' in body, (url, data)
    after = (count_rows(Payment, team.agency.id), count_rows(InvoiceLine, team.agency.id))
    assert after == before
    assert fresh(Invoice, invoice.id).paid_minor == 0


def test_client_contacts_see_only_their_own_issued_invoices(app, team, owner):
    mine = issued(owner, team.client, ("Work", 1, 5000))
    my_draft = draft(owner, team.client, ("Draft work", 1, 100))
    theirs = issued(owner, ClientFactory(agency=team.agency, name="Other Co"), ("Work", 1, 7))
    _commit()
    browser = web(app, team.contact)
    page = browser.get(f"/{team.slug}/invoices").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page and "Draft" not in page
    assert browser.get(f"/{team.slug}/invoices/{mine.id}").status_code == 200
    assert browser.get(f"/{team.slug}/invoices/{my_draft.id}").status_code == 404
    assert browser.get(f"/{team.slug}/invoices/{theirs.id}").status_code == 404
    shown = browser.get(f"/{team.slug}/invoices/{mine.id}").get_data(as_text=True)
    assert "Record a payment" not in shown and "Credit note" not in shown
    assert browser.get(f"/{team.slug}/invoices/{mine.id}?status=draft").status_code == 200
    assert browser.post(f"/{team.slug}/invoices/{mine.id}/void").status_code == 403
    assert browser.get(f"/{team.slug}/receivables").status_code == 403


def test_vas_and_qa_see_no_money(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    _commit()
    for member in (team.va, team.qa):
        browser = web(app, member)
        for url in (
            f"/{team.slug}/invoices",
            f"/{team.slug}/invoices/{invoice.id}",
            f"/{team.slug}/receivables",
            f"/{team.slug}/invoices/export.csv",
            f"/{team.slug}/clients/{team.client.id}/billing",
        ):
            assert browser.get(url).status_code == 403, (member.role, url)


def test_list_filters_and_the_overdue_status(app, team, owner, time_machine):
    import datetime as dt

    acme = ClientFactory(agency=team.agency, name="Acme", currency="EUR")
    # Issued on 5 January and due that day; the rest, and the list, on 10 March.
    time_machine.move_to(dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC), tick=False)
    late = issued(owner, acme, ("Old work", 1, 100), net_days=0)
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC), tick=False)
    current = issued(owner, team.client, ("New work", 1, 100))
    drafted = draft(owner, team.client, ("Later", 1, 100))
    voided = issued(owner, team.client, ("Oops", 1, 100))
    void_invoice(owner, voided)
    _commit()
    browser = web(app, team.owner)

    def listed(**args) -> set[int]:
        resp = browser.get(f"/{team.slug}/invoices", query_string=args)
        assert resp.status_code == 200
        return {int(i) for i in re.findall(r'data-invoice-id="(\d+)"', resp.get_data(as_text=True))}

    assert listed() == {late.id, current.id, drafted.id, voided.id}
    assert listed(status="overdue") == {late.id}
    assert listed(status="draft") == {drafted.id}
    assert listed(status="void") == {voided.id}
    assert listed(client_id=acme.id) == {late.id}
    assert listed(currency="eur") == {late.id}
    assert listed(q=current.number[-5:]) == {current.id}
    assert listed(per_page=2, page=2) | listed(per_page=2) == {
        late.id, current.id, drafted.id, voided.id
    }  # fmt: skip
    resp = browser.get(f"/{team.slug}/invoices", query_string={"status": "bogus"})
    assert resp.status_code == 422 and 'data-field-error="status"' in resp.get_data(as_text=True)


def test_csv_export_uses_the_same_amounts(app, team, owner):
    vat = tax_rate(owner, "19")
    invoice = issued(
        owner, team.client, ("A", 3, 3333, vat, "5"), ("=cmd|' /C calc'!A0", 1, 1), ("B", 10, 2)
    )
    _commit()
    resp = web(app, team.owner).get(f"/{team.slug}/invoices/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = [r for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True)))]
    ours = [r for r in rows if r["number"] == invoice.number]
    assert [r["line_gross"] for r in ours] == ["113.04", "0.01", "0.20"]
    assert [r["quantity"] for r in ours] == ["3", "1", "10"]
    from decimal import Decimal

    assert sum(Decimal(r["line_gross"]) for r in ours) == Decimal(ours[0]["total"])
    assert ours[1]["description"].startswith("'=")  # no formula injection


def test_settings_and_tax_rates_pages(app, team):
    browser = web(app, team.owner)
    resp = browser.post(
        f"/{team.slug}/invoice-settings",
        data={"invoice_number_format": "{seq}", "credit_note_number_format": "CN{seq}",
              "restart_yearly": "on", "rounding": "per_document", "recurring_day": "5"},
    )  # fmt: skip
    assert resp.status_code == 422
    assert "Numbers that restart every year need {year}" in resp.get_data(as_text=True)
    resp = browser.post(
        f"/{team.slug}/invoice-settings",
        data={"invoice_number_format": "F{year}/{seq:04}", "credit_note_number_format": "CN{seq}",
              "rounding": "per_document", "recurring_day": "5"},
    )  # fmt: skip
    assert resp.status_code == 302
    page = browser.get(f"/{team.slug}/invoice-settings").get_data(as_text=True)
    assert 'value="F{year}/{seq:04}"' in page
    resp = browser.post(
        f"/{team.slug}/invoice-settings/tax-rates",
        data={"name": "MwSt", "rate_percent": "19", "active": "on"},
    )
    assert resp.status_code == 302
    assert "MwSt" in browser.get(f"/{team.slug}/invoice-settings").get_data(as_text=True)
    assert web(app, team.manager).get(f"/{team.slug}/invoice-settings").status_code == 403
