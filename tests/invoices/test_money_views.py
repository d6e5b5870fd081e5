"""Property tests through every view: for random lines, tax rates, discounts, currencies
(JPY, EUR, KWD, USD, BHD), locales and both rounding modes, the line amounts add up to the
total on the invoice page, in the API JSON and in the CSV export, and paying the total the
payment form offers leaves a balance of exactly zero. The page writes amounts in its
reader's locale (here the owner's, drawn from the same locales), the API in the client's."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from app.core.money import format_money, to_minor
from app.extensions import db
from app.invoices.lines import add_line
from app.invoices.models import Invoice
from app.invoices.services import create_invoice, issue_invoice
from app.invoices.settings import update_invoice_settings
from app.users.models import User
from tests.clients.support import FreshClient, api
from tests.factories import ClientFactory
from tests.invoices.support import fresh, tax_rate
from tests.objects import sign_in

CURRENCIES = ("JPY", "EUR", "KWD", "USD", "BHD")
LOCALES = ("en", "de_DE", "ar", "ar_EG", "ja", "fr_CH", "fa")
RATES = ("0", "5", "7.7", "15", "19", "20", "21")

line = st.tuples(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("250"), places=3),
    st.integers(min_value=0, max_value=5_000_000),
    st.sampled_from(("0", "2.5", "10", "33.33", "100")),
    st.sampled_from(RATES),
    st.booleans(),
)


@pytest.fixture
def browser(app, team):
    """One signed-in owner for every example (the login form is rate limited); each
    request gets its own app context and session, as in production."""
    client = FreshClient(app, app.response_class, use_cookies=True)
    sign_in(client, team.owner.user_id)
    return client


@pytest.fixture
def owner_api(app, team):
    return api(app, team.owner)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(line, min_size=1, max_size=6),
    currency=st.sampled_from(CURRENCIES),
    locale=st.sampled_from(LOCALES),
    reader=st.sampled_from(LOCALES),
    rounding=st.sampled_from(("per_line", "per_document")),
)
def test_every_view_adds_up_and_paying_the_total_leaves_zero(
    app, team, owner, browser, owner_api, lines, currency, locale, reader, rounding
):
    db.session.get(User, team.owner.user_id).locale = reader
    update_invoice_settings(owner, {"rounding": rounding})
    client = ClientFactory(agency=team.agency, currency=currency, locale=locale)
    invoice = create_invoice(owner, {"client_id": client.id})
    rates: dict[tuple[str, bool], object] = {}
    for n, (quantity, price, discount, rate, inclusive) in enumerate(lines):
        tax = None
        if rate != "0":
            key = (rate, inclusive)
            if key not in rates:
                rates[key] = tax_rate(
                    owner, rate, inclusive, name=f"T{rate}{'i' if inclusive else ''}"
                )
            tax = rates[key]
        add_line(
            owner,
            invoice,
            {
                "description": f"Line {n}",
                "quantity": quantity,
                "unit_price_minor": price,
                "discount_percent": Decimal(discount),
                "tax_rate_id": tax.id if tax else None,
            },
        )
    issue_invoice(owner, invoice)
    db.session.commit()
    total = invoice.total_minor
    assert invoice.rounding == rounding

    # The invoice page: each line's gross as shown, and the total.
    html = browser.get(f"/{team.slug}/invoices/{invoice.id}").get_data(as_text=True)
    grosses = [int(g) for g in re.findall(r'data-gross-minor="(-?\d+)"', html)]
    shown_total = int(re.search(r'data-testid="total"><span[^>]*data-minor="(-?\d+)"', html)[1])
    assert len(grosses) == len(lines) and sum(grosses) == shown_total == total
    for gross in grosses:
        assert f">{escape(format_money(gross, currency, reader))}<" in html

    # The API: lines and totals in minor units, formatted in the client's locale.
    body = owner_api.get(f"/invoices/{invoice.id}").json
    assert sum(ln["gross_minor"] for ln in body["lines"]) == body["total_minor"] == total
    assert sum(ln["net_minor"] for ln in body["lines"]) == body["subtotal_minor"]
    assert sum(ln["tax_minor"] for ln in body["lines"]) == body["tax_minor"]
    assert body["formatted"]["total"] == format_money(total, currency, locale)

    # The CSV export: amounts in major units, exact.
    csv_text = browser.get(
        f"/{team.slug}/invoices/export.csv", query_string={"q": invoice.number}
    ).get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(csv_text)) if r["number"] == invoice.number]
    assert len(rows) == len(lines)
    assert sum(Decimal(r["line_gross"]) for r in rows) == Decimal(rows[0]["total"])
    assert to_minor(rows[0]["total"], currency, exact=True) == total

    # Paying what the payment form offers settles it exactly.
    if total > 0:
        offered = re.search(r'name="amount"[^>]*value="([^"]*)"', html)[1]
        resp = browser.post(
            f"/{team.slug}/invoices/{invoice.id}/payments",
            data={"amount": offered, "method": "bank_transfer"},
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    paid = fresh(Invoice, invoice.id)
    assert paid.balance_minor == 0 and paid.status == "paid"
