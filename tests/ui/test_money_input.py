"""Money typed in the currency's own major units: "900.00" for USD, "900" for JPY, "9.000"
for KWD, read exactly (no floats) by one parser that names the field on bad input; the
forms that asked for minor units ("Price (minor units) 90000") now take major units, and
the API keeps accepting minor units (and also takes the major-unit text)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.clients.models import Client, ServicePackage
from app.core.money import AmountError, exponent, input_value, parse_amount
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import api, web

# One currency per ISO 4217 exponent: 0, 2, 3 and 4 decimals.
CURRENCIES = ["JPY", "USD", "KWD", "BHD", "CLF", "EUR", "KRW"]


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("900.00", "USD", 90000),
        ("900", "USD", 90000),
        ("900.5", "USD", 90050),
        ("1,234.56", "USD", 123456),
        ("900", "JPY", 900),
        ("9.000", "KWD", 9000),
        ("9.5", "BHD", 9500),
        ("0.001", "KWD", 1),
        (" 12 ", "EUR", 1200),
        ("12345678901234567890.12", "USD", 1234567890123456789012),  # exact, no float
    ],
)
def test_amounts_are_read_exactly_in_the_currency_s_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("9.001", "USD", "Price: USD amounts have 2 decimals, e.g. 900.00."),
        ("900.5", "JPY", "Price: JPY amounts have no decimals, e.g. 900."),
        ("1.0001", "KWD", "Price: KWD amounts have 3 decimals, e.g. 900.000."),
        ("90000 cents", "USD", "Price: enter an amount like 900.00."),
        ("1e3", "USD", "Price: enter an amount like 900.00."),
        ("9,00", "EUR", "Price: enter an amount like 900.00."),
        ("-5", "USD", "Price: enter an amount like 900.00."),
        ("", "JPY", "Price: enter an amount like 900."),
        ("NaN", "USD", "Price: enter an amount like 900.00."),
    ],
)
def test_bad_amounts_name_the_field_and_how_to_write_it(text, currency, message):
    with pytest.raises(AmountError) as exc:
        parse_amount(text, currency, label="Price")
    assert str(exc.value) == message


@given(currency=st.sampled_from(CURRENCIES), minor=st.integers(min_value=0, max_value=10**15))
def test_what_a_form_shows_reads_back_to_the_same_amount(currency, minor):
    assert parse_amount(input_value(minor, currency), currency) == minor


@given(
    currency=st.sampled_from(CURRENCIES),
    whole=st.integers(min_value=0, max_value=10**12),
    frac=st.integers(min_value=0, max_value=9999),
)
def test_typed_amounts_round_trip_through_the_form(currency, whole, frac):
    """format(parse(x)) == x for every amount written with the currency's decimals."""
    digits = exponent(currency)
    text = str(whole) + (f".{frac % 10**digits:0{digits}d}" if digits else "")
    minor = parse_amount(text, currency)
    assert input_value(minor, currency) == text
    assert Decimal(text) * 10**digits == minor


# --- the forms -------------------------------------------------------------------------------


def _package(agency_id: int) -> ServicePackage:
    with all_tenants():
        return db.session.scalars(
            sa.select(ServicePackage)
            .where(ServicePackage.agency_id == agency_id)
            .execution_options(populate_existing=True)
        ).one()


@pytest.mark.parametrize(
    ("currency", "typed", "minor"), [("USD", "900.00", 90000), ("JPY", "900", 900),
                                     ("KWD", "9.000", 9000)]
)  # fmt: skip
def test_package_form_takes_the_price_in_major_units(app, team, currency, typed, minor):
    browser = web(app, team.owner)
    page = browser.get(f"/{team.slug}/packages").get_data(as_text=True)
    assert "minor units" not in page
    form = {"name": "Inbox care", "pricing": "retainer", "price": typed, "currency": currency}
    resp = browser.post(f"/{team.slug}/packages", data={**form, "active": "on"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    package = _package(team.agency.id)
    assert (package.price_minor, package.currency) == (minor, currency)
    # The edit form shows it back as it was typed.
    edit = browser.get(f"/{team.slug}/packages/{package.id}/edit").get_data(as_text=True)
    assert re.search(rf'name="price"[^>]*value="{re.escape(typed)}"', edit)


def test_package_form_refuses_a_wrong_amount_naming_the_price(app, team):
    browser = web(app, team.owner)
    form = {"name": "Inbox care", "pricing": "fixed", "price": "900.001", "currency": "USD"}
    resp = browser.post(f"/{team.slug}/packages", data=form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Price: USD amounts have 2 decimals, e.g. 900.00." in html
    assert 'data-field-error="price"' in html
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count(ServicePackage.id))) == 0


def test_client_form_takes_the_bill_rate_in_the_client_s_currency(app, team):
    browser = web(app, team.owner)
    form = {
        "name": "Cedar & Sage", "time_zone": "Asia/Kuwait", "currency": "KWD", "locale": "ar",
        "status": "active", "deposit_percent": "0", "net_days": "15",
        "response_time_hours": "24", "bill_rate": "12.500",
    }  # fmt: skip
    page = browser.get(f"/{team.slug}/clients/new").get_data(as_text=True)
    assert "minor units" not in page and 'name="bill_rate"' in page
    resp = browser.post(f"/{team.slug}/clients/new", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with all_tenants():
        client = db.session.scalars(sa.select(Client).where(Client.name == "Cedar & Sage")).one()
    assert client.bill_rate_minor == 12500
    edit = f"/{team.slug}/clients/{client.id}/edit"
    assert re.search(r'name="bill_rate"[^>]*value="12.500"', browser.get(edit).get_data(True))
    resp = browser.post(edit, data={**form, "bill_rate": "12.5001"})
    assert resp.status_code == 422
    assert "Bill rate: KWD amounts have 3 decimals, e.g. 900.000." in resp.get_data(as_text=True)


def test_the_api_keeps_minor_units_and_takes_major_unit_text(app, team):
    owner = api(app, team.owner)
    resp = owner.post("/packages", json={"name": "A", "pricing": "fixed", "price_minor": 4500})
    assert resp.status_code == 201 and resp.json["price_minor"] == 4500
    resp = owner.post("/packages", json={"name": "B", "price": "900.50", "currency": "JPY"})
    assert resp.status_code == 422
    assert resp.json["errors"]["price"] == ["Price: JPY amounts have no decimals, e.g. 900."]
    resp = owner.post("/packages", json={"name": "B", "price": "900", "currency": "JPY"})
    assert resp.status_code == 201 and resp.json["price_minor"] == 900
    resp = owner.patch(f"/packages/{resp.json['id']}", json={"price": "1,200"})
    assert resp.status_code == 200 and resp.json["price_minor"] == 1200
    both = {"name": "C", "price": "9.00", "price_minor": 900}
    assert owner.post("/packages", json=both).status_code == 422
    for number in (12.5, 12):  # JSON numbers (maybe floats already rounded): refused
        resp = owner.post("/packages", json={"name": "D", "price": number})
        assert resp.status_code == 422
        assert resp.json["errors"]["price"] == ['Price: enter an amount as text, like "900.00".']


def test_amount_errors_speak_the_readers_language_label_included(app, team):
    team.owner.user.locale = "ar"
    db.session.commit()
    browser = web(app, team.owner)
    form = {
        "name": "Cedar & Sage", "time_zone": "Asia/Kuwait", "currency": "KWD", "locale": "ar",
        "status": "active", "deposit_percent": "0", "net_days": "15",
        "response_time_hours": "24", "bill_rate": "12.5001",
    }  # fmt: skip
    resp = browser.post(f"/{team.slug}/clients/new", data=form)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "سعر الفوترة: تُكتب مبالغ KWD بعدد 3 من المنازل العشرية، مثل 900.000." in page, page
    assert "amounts have" not in page and "Bill rate:" not in page
    resp = browser.post(f"/{team.slug}/clients/new", data={**form, "bill_rate": "12 dinars"})
    assert "أدخل مبلغًا مثل 900.00." in resp.get_data(as_text=True)

    owner = api(app, team.owner)
    owner.headers["Accept-Language"] = "fr"
    resp = owner.post("/packages", json={"name": "B", "price": "900.50", "currency": "JPY"})
    assert resp.json["errors"]["price"] == [
        "Prix : les montants en JPY n'ont pas de décimales, par ex. 900."
    ]
    assert resp.json["error_codes"]["price"] == ["invalid"]
    resp = owner.post("/packages", json={"name": "D", "price": 12})
    assert resp.json["errors"]["price"] == [
        'Prix : saisissez le montant sous forme de texte, par ex. "900.00".'
    ]
    both = {"name": "C", "price": "9.00", "price_minor": 900}
    resp = owner.post("/packages", json=both)
    assert resp.json["errors"]["price"] == ["Prix : indiquez price ou price_minor, pas les deux."]
    assert resp.json["error_codes"]["price"] == ["not_both"]
