"""The margin page, its CSV and its API: who sees them, what they show (the losing client's
badge, the missing rate with its link, unpriced time), strict query validation, and a
statement count that stays the same as clients grow."""

from __future__ import annotations

import csv
import io

from app.agencies.models import Agency
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import api, web
from tests.factories import ClientFactory
from tests.margin.support import MONTH, fx_rate, invoice
from tests.rates.support import cost_rate, entry


def _losing_world(tt):
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 2000, day=MONTH)
    entry(a, va, tt.client_id, day=MONTH, seconds=3600 * 10)
    invoice(a, tt.client_id, 15000)
    invoice(a, tt.other_client_id, 50000)
    entry(a, va, tt.other_client_id, day=MONTH, seconds=1800, approved=True)
    db.session.commit()


def test_owner_sees_the_losing_client_flagged_and_the_chart(app, tt):
    _losing_world(tt)
    owner = web(app, tt.owner)
    page = owner.get(f"/{tt.slug}/margin?month=2026-03&by=client")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="losing-badge"' in html and "Harbour Bakery" in html
    assert f'data-series-chart-url="/{tt.slug}/margin/chart.json?month=2026-03"' in html
    assert "js/series_charts.js" in html
    chart = owner.get(f"/{tt.slug}/margin/chart.json?month=2026-03").get_json()
    assert len(chart["labels"]) == 12 and chart["currency"] == "USD"
    billed, cost, margin = (s["values"][-1] for s in chart["series"])
    assert (billed, cost, margin) == (650.0, 210.0, 440.0)
    assert owner.get(f"/{tt.slug}/margin/chart.json?month=2026-13").status_code == 422
    only = owner.get(f"/{tt.slug}/margin?month=2026-03&losing=true").get_data(as_text=True)
    assert "Harbour Bakery" in only and "Cedar Dental" not in only
    for by in ("va", "sop"):
        assert owner.get(f"/{tt.slug}/margin?month=2026-03&by={by}").status_code == 200


def test_a_missing_rate_is_named_with_a_link_to_add_it(app, tt):
    eur = ClientFactory(agency=tt.agency, name="Brasserie", currency="EUR")
    invoice(tt.agency.id, eur.id, 100000, currency="EUR")
    entry(tt.agency.id, tt.va.id, tt.client_id, day=MONTH, seconds=7200)  # no cost rate
    db.session.commit()
    owner = web(app, tt.owner)
    html = owner.get(f"/{tt.slug}/margin?month=2026-03").get_data(as_text=True)
    assert "No rate for EUR on 31 Mar 2026" in html
    assert f"/{tt.slug}/settings/exchange-rates?currency=EUR&amp;day=2026-03-31" in html
    assert "2.00 h of approved time with no cost rate" in html
    fx_rate(tt.agency.id, "EUR", "1.1", MONTH)
    db.session.commit()
    html = owner.get(f"/{tt.slug}/margin?month=2026-03").get_data(as_text=True)
    assert "No rate for EUR" not in html and "$1,100.00" in html


def test_managers_need_the_agencys_switch_and_others_never_see_margin(app, tt):
    _losing_world(tt)
    for member in (tt.manager, tt.va, tt.qa, tt.contact):
        assert web(app, member).get(f"/{tt.slug}/margin").status_code == 403
        assert web(app, member).get(f"/{tt.slug}/margin.csv").status_code == 403
        assert api(app, member).get("/margin").status_code == 403
    with all_tenants():
        db.session.get(Agency, tt.agency.id).managers_see_costs = True
        db.session.commit()
    assert web(app, tt.manager).get(f"/{tt.slug}/margin").status_code == 200
    assert api(app, tt.manager).get("/margin").status_code == 200
    assert api(app, tt.va).get("/margin").status_code == 403


def test_the_api_answers_the_month_and_refuses_bad_queries_naming_the_field(app, tt):
    _losing_world(tt)
    owner = api(app, tt.owner)
    body = owner.get("/margin?month=2026-03&by=client").get_json()
    assert body["month"] == "2026-03" and body["base_currency"] == "USD"
    assert body["losing_count"] == 1 and len(body["months"]) == 12
    losing = next(r for r in body["rows"] if r["key"] == tt.client_id)
    assert losing["losing"] is True and losing["margin_base_minor"] == -5000
    assert body["total"]["billed_base_minor"] == 65000
    for query, field in (
        ("month=1999-12", "month"),
        ("month=2100-01", "month"),
        ("month=2026-13", "month"),
        ("month=march", "month"),
        ("by=team", "by"),
        ("losing=perhaps", "losing"),
    ):
        resp = owner.get(f"/margin?{query}")
        assert resp.status_code == 422, query
        assert field in str(resp.get_json()), query
    page = web(app, tt.owner).get(f"/{tt.slug}/margin?month=2026-13")
    assert page.status_code == 422 and "month" in page.get_data(as_text=True)


def test_the_csv_streams_every_group_and_is_formula_safe(app, tt):
    _losing_world(tt)
    evil = ClientFactory(agency=tt.agency, name="=HYPERLINK(1)")
    invoice(tt.agency.id, evil.id, 1000)
    db.session.commit()
    resp = web(app, tt.owner).get(f"/{tt.slug}/margin.csv?month=2026-03&by=client")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    names = {r["name"] for r in rows}
    assert "'=HYPERLINK(1)" in names and "TOTAL" in names
    losing = next(r for r in rows if r["name"] == "Harbour Bakery")
    assert (losing["billed"], losing["cost"], losing["margin"]) == ("150.00", "200.00", "-50.00")
    assert losing["losing_money"] == "yes"


def _fill(tt, size: int) -> None:
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1500, day=MONTH)
    fx_rate(a, "EUR", "1.08", MONTH)
    for i in range(size):
        client = ClientFactory(agency=tt.agency, currency="EUR" if i % 2 else "USD")
        invoice(a, client.id, 1000 + i, currency=client.currency)
        entry(a, va, client.id, day=MONTH, seconds=600 + i)
    db.session.commit()


def test_statements_do_not_grow_with_clients(app, count_queries, frozen):
    from tests.time.support import make_time_team

    counts = []
    for size in (2, 20):
        tt = make_time_team()
        _fill(tt, size)
        owner, owner_api = web(app, tt.owner), api(app, tt.owner)
        per_call = []
        for http, url in (
            (owner, f"/{tt.slug}/margin?month=2026-03"),
            (owner, f"/{tt.slug}/margin?month=2026-03&by=va"),
            (owner_api.client, f"/api/v1/{tt.slug}/margin?month=2026-03&by=sop"),
            (owner, f"/{tt.slug}/margin.csv?month=2026-03"),
        ):
            headers = owner_api.headers if http is owner_api.client else {}
            http.get(url, headers=headers).get_data()
            with count_queries() as statements:
                resp = http.get(url, headers=headers)
                resp.get_data()
            assert resp.status_code == 200
            per_call.append(len(statements))
        counts.append(per_call)
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 25, counts
