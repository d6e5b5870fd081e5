"""Pages write numbers and money in their reader's locale with its digits: an owner whose
profile says Egyptian Arabic (ar_EG) reads the amounts on the dashboard and the invoice list
in Arabic-Indic digits with Arabic separators, an owner speaking plain Arabic reads the same
amounts in Latin digits; the page tells scripts the locale and numbering system, and the
PDF keeps the client's locale whoever reads the page."""

from __future__ import annotations

import re

import pytest

from app.core.formatting import format_day
from app.core.money import format_money
from app.core.tenancy import tenant
from app.documents.rendering import invoice_context
from app.extensions import db
from tests.invoices.support import issued


@pytest.fixture
def invoice(team, owner):
    sent = issued(owner, team.client, ("Calendar care", 1, 123456))
    db.session.commit()
    return sent


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


def test_an_egyptian_arabic_owner_reads_arabic_indic_digits(app, team, speaking, invoice):
    browser = speaking("ar_EG")
    currency = invoice.currency
    shown = format_money(invoice.total_minor, currency, "ar_EG")
    assert "١٬٢٣٤٫٥٦" in shown or "١٬٢٣٤" in shown
    for url in (f"/{team.slug}/", f"/{team.slug}/invoices"):
        resp = browser.get(url)
        assert resp.status_code == 200, url
        page = resp.get_data(as_text=True)
        assert shown in page, url
        assert re.search(r'<html lang="ar" dir="rtl" data-locale="ar-EG-u-nu-arab"', page)
        # The amount is never written in Latin digits on these pages.
        latin = format_money(invoice.total_minor, currency, "ar")
        assert latin not in page, url
    # Dates on the invoice list come in Arabic-Indic digits too.
    page = browser.get(f"/{team.slug}/invoices").get_data(as_text=True)
    assert re.search(r"[٠-٩]{1,2} [^\s<0-9]+ [٠-٩]{4}", _text(page))


def test_an_arabic_owner_without_a_region_reads_latin_digits(app, team, speaking, invoice):
    browser = speaking("ar")
    page = browser.get(f"/{team.slug}/invoices").get_data(as_text=True)
    assert format_money(invoice.total_minor, invoice.currency, "ar") in page
    assert not re.search(r"[٠-٩]", _text(page))
    assert 'data-locale="ar-u-nu-latn"' in page


def test_the_pdf_keeps_the_clients_locale_whoever_reads_the_pages(team, owner, invoice):
    team.client.locale = "ar_EG"
    invoice.locale = "ar_EG"
    db.session.commit()
    with tenant(invoice.agency_id):
        context = invoice_context(invoice.id)
    total = context["totals"][-1]["amount"]
    assert total == format_money(invoice.total_minor, invoice.currency, "ar_EG")
    assert re.search(r"[٠-٩]", context["invoice"]["issue_date"])


def test_amounts_and_quantities_typed_in_arabic_indic_digits_are_read(app, team, owner, speaking):
    from tests.invoices.support import draft

    open_draft = draft(owner, team.client)
    db.session.commit()
    browser = speaking("ar_EG")
    form = {"description": "إدارة البريد", "quantity": "٢٫٥", "unit_price": "١٢٠٠٫٥٠"}
    resp = browser.post(f"/{team.slug}/invoices/{open_draft.id}/lines", data=form)
    assert resp.status_code in (200, 302, 303), resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    with tenant(team.agency.id):
        line = fresh_lines(open_draft.id)
    assert [(str(ln.quantity.normalize()), ln.unit_price_minor) for ln in line] == [("2.5", 120050)]
    # A wrong amount in Arabic-Indic digits gets the same message as in Latin ones.
    errors = []
    for price in ("١٢٫٠٠١", "12.001"):
        page = browser.post(
            f"/{team.slug}/invoices/{open_draft.id}/lines", data={**form, "unit_price": price}
        )
        assert page.status_code == 422
        errors.append(re.findall(r'data-field-error="unit_price"[^>]*>([^<]+)<', page.text))
    assert errors[0] and errors[0] == errors[1]


def fresh_lines(invoice_id: int):
    import sqlalchemy as sa

    from app.invoices.models import InvoiceLine

    return db.session.scalars(
        sa.select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice_id)
        .execution_options(populate_existing=True)
    ).all()


def test_an_egyptian_arabic_reader_reads_invoice_dates_and_ageing_in_their_digits(
    app, team, speaking, invoice
):
    browser = speaking("ar_EG")
    page = _text(browser.get(f"/{team.slug}/invoices/{invoice.id}").get_data(as_text=True))
    for day in (invoice.issue_date, invoice.due_date):
        assert format_day(day, "ar_EG") in page
        assert day.isoformat() not in page  # never the stored ISO date

    page = _text(browser.get(f"/{team.slug}/receivables").get_data(as_text=True))
    assert "٣١–٦٠ يومًا" in page and "أكثر من ٩٠ يومًا" in page  # the ageing buckets
    assert "31" not in page and "90" not in page


def test_the_reminder_ladder_in_the_readers_digits(app, team, speaking):
    browser = speaking("ar_EG")
    page = _text(browser.get(f"/{team.slug}/settings/reminders").get_data(as_text=True))
    assert "٠٩:٠٠" in page and "09:00" not in page  # the send time
    assert "+٧" in page and "؜-٣" in page  # the steps' offsets, signed
    assert not re.findall(r"(?<!\w)[+-][0-9]+", page)  # (INV-2026-00042 is an example)

    browser = speaking("fr")  # French writes Latin digits
    page = _text(browser.get(f"/{team.slug}/settings/reminders").get_data(as_text=True))
    assert "09:00" in page and "+7" in page
