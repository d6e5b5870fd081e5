"""Exchange rates (app.fx): the rate in force on a day, exact conversion half-up to the base
currency's minor unit, None (never 0) without a rate; the owner's page and API, managers
reading them, bad input refused naming the field."""

from __future__ import annotations

import datetime as dt

from app.core.tenancy import all_tenants
from app.extensions import db
from app.fx.convert import MissingRate, converter, to_base
from app.fx.models import ExchangeRate
from tests.clients.support import api, web
from tests.margin.support import fx_rate

DAY = dt.date(2026, 3, 1)


def test_the_rate_of_the_day_converts_exactly_and_a_missing_one_is_none(app, in_agency):
    a = in_agency.agency.id
    fx_rate(a, "EUR", "1.0842", DAY)
    fx_rate(a, "EUR", "1.10", DAY + dt.timedelta(days=10))
    fx_rate(a, "JPY", "0.0067", DAY)
    fx_rate(a, "KWD", "3.2555", DAY)
    conv = converter(["EUR", "JPY", "KWD", "GBP", "USD"], [DAY + dt.timedelta(days=20)])
    assert conv.to_base(100000, "EUR", DAY) == 108420  # 1,000.00 EUR
    assert conv.to_base(1, "EUR", DAY) == 1  # 0.010842 rounds half-up... to 0.01
    assert conv.to_base(50, "EUR", DAY) == 54  # 0.5421 -> 0.54
    assert conv.to_base(100000, "EUR", DAY + dt.timedelta(days=10)) == 110000
    assert conv.to_base(75, "JPY", DAY) == 50  # 0.5025 USD -> 0.50
    assert conv.to_base(1500, "KWD", DAY) == 488  # 1.500 KWD = 4.88325 -> 4.88
    assert conv.to_base(12345, "USD", DAY) == 12345  # the base needs no rate
    assert conv.to_base(100, "EUR", DAY - dt.timedelta(days=1)) is None  # before any rate
    assert conv.to_base(100, "GBP", DAY) is None
    assert conv.missing == [
        MissingRate("EUR", DAY - dt.timedelta(days=1)),
        MissingRate("GBP", DAY),
    ]
    assert to_base(200, "EUR", DAY) == 217  # 2.1684 -> 2.17
    assert to_base(5, "EUR", DAY) == 5  # 0.05421 -> 0.05


def test_half_a_minor_unit_rounds_up(app, in_agency):
    fx_rate(in_agency.agency.id, "EUR", "1.5", DAY)
    assert to_base(1, "EUR", DAY) == 2  # 0.015 -> 0.02
    assert to_base(-1, "EUR", DAY) == -2  # away from zero, as credit notes mirror invoices


def test_reading_the_rates_is_one_query(app, in_agency, count_queries):
    a = in_agency.agency.id
    for i in range(20):
        fx_rate(a, "EUR", f"1.{i + 1}", DAY + dt.timedelta(days=i))
    with count_queries() as statements:
        conv = converter(["EUR", "GBP"], [DAY + dt.timedelta(days=d) for d in range(40)])
        values = [conv.to_base(100, "EUR", DAY + dt.timedelta(days=d)) for d in range(40)]
    assert len(statements) == 1
    assert values[0] == 110 and values[-1] == 120


def _rows(agency_id: int) -> list[ExchangeRate]:
    with all_tenants():
        return list(
            db.session.scalars(db.select(ExchangeRate).where(ExchangeRate.agency_id == agency_id))
        )


def test_the_owner_adds_and_removes_rates_on_the_settings_page(app, tt):
    owner = web(app, tt.owner)
    url = f"/{tt.slug}/settings/exchange-rates"
    assert owner.get(url).status_code == 200
    resp = owner.post(
        url, data={"currency": "eur", "rate": "1.0842", "effective_from": "2026-03-01"}
    )
    assert resp.status_code == 302
    (row,) = _rows(tt.agency.id)
    assert (row.currency, str(row.rate.normalize()), row.effective_from) == ("EUR", "1.0842", DAY)
    page = owner.get(url).get_data(as_text=True)
    assert "1.0842 USD" in page
    again = owner.post(url, data={"currency": "EUR", "rate": "2", "effective_from": "2026-03-01"})
    assert again.status_code == 422 and "already has a rate" in again.get_data(as_text=True)
    base = owner.post(url, data={"currency": "USD", "rate": "1", "effective_from": "2026-03-02"})
    assert base.status_code == 422 and "base currency" in base.get_data(as_text=True)
    bad = owner.post(url, data={"currency": "EUR", "rate": "-1", "effective_from": "2026-03-02"})
    assert bad.status_code == 422
    assert len(_rows(tt.agency.id)) == 1
    assert owner.post(f"{url}/{row.id}/delete").status_code == 302
    assert _rows(tt.agency.id) == []


def test_managers_read_rates_and_only_owners_change_them(app, tt):
    owner, manager = api(app, tt.owner), api(app, tt.manager)
    created = owner.post(
        "/exchange-rates",
        json={"currency": "EUR", "rate": "1.0842", "effective_from": "2026-03-01"},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["rate"] == "1.0842" and body["currency"] == "EUR"
    listed = manager.get("/exchange-rates").get_json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert manager.get(f"/exchange-rates/{body['id']}").status_code == 200
    assert (
        manager.post(
            "/exchange-rates",
            json={"currency": "GBP", "rate": "1.2", "effective_from": "2026-03-01"},
        ).status_code
        == 403
    )
    assert manager.delete(f"/exchange-rates/{body['id']}").status_code == 403
    for member in (tt.va, tt.qa, tt.contact):
        assert api(app, member).get("/exchange-rates").status_code == 403
        assert web(app, member).get(f"/{tt.slug}/settings/exchange-rates").status_code == 403
    bad = owner.post(
        "/exchange-rates", json={"currency": "EUR", "rate": "0", "effective_from": "2026-03-02"}
    )
    assert bad.status_code == 422 and "rate" in str(bad.get_json())
    assert owner.delete(f"/exchange-rates/{body['id']}").status_code == 204
    assert owner.get("/exchange-rates").get_json() == []
