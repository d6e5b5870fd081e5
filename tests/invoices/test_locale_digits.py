"""Pages write numbers and money in their reader's locale with its digits: an owner whose
profile says Egyptian Arabic (ar_EG) reads the amounts on the dashboard and the invoice list
in Arabic-Indic digits with Arabic separators, an owner speaking plain Arabic reads the same
amounts in Latin digits; the page tells scripts the locale and numbering system, and the
PDF keeps the client's locale whoever reads the page."""

from __future__ import annotations

import re

import pytest

from app.core.money import format_money
from app.core.tenancy import tenant
from app.documents.rendering import invoice_context
from app.extensions import db
from tests.clients.support import web
from tests.invoices.support import issued


@pytest.fixture
def speaking(app, team):
    def sign_in(locale: str):
        team.owner.user.locale = locale
        db.session.commit()
        return web(app, team.owner)

    return sign_in


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
