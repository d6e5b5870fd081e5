"""The forecast (app.forecast): retainers' months not drafted yet and open drafts as revenue,
receivables dated by each client's days to pay (else the due date), the base currency at
today's stored rate (a missing one named), last year's payments beside it; the page, API
and CSV for owners and managers, and a statement count that does not grow with clients."""

from __future__ import annotations

import csv
import datetime as dt
import io

from app.core.tenancy import all_tenants
from app.extensions import db
from app.forecast.services import forecast
from app.fx.convert import MissingRate
from app.payments.models import Payment
from app.retainers.models import RetainerPlan
from tests.clients.support import api, web
from tests.factories import ClientFactory
from tests.margin.support import fx_rate, invoice
from tests.time.support import TODAY

MARCH = dt.date(2026, 3, 1)


def _plan(agency_id, client_id, amount, generated, *, active=True, currency="USD"):
    with all_tenants():
        db.session.add(
            RetainerPlan(
                agency_id=agency_id,
                client_id=client_id,
                description="Monthly support",
                monthly_amount_minor=amount,
                currency=currency,
                active=active,
                last_generated_month=generated,
            )
        )
        db.session.flush()


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def _open(agency_id, client_id, amount, issued: dt.date, due: dt.date, currency="USD"):
    row = invoice(agency_id, client_id, amount, issued_at=_at(issued), currency=currency)
    with all_tenants():
        row.issue_date, row.due_date = issued, due
        db.session.flush()
    return row


def _paid(agency_id, client_id, amount, issued: dt.date, paid: dt.date, kind="payment"):
    row = _open(agency_id, client_id, amount, issued, issued + dt.timedelta(days=15))
    with all_tenants():
        row.status, row.paid_at, row.paid_minor = "paid", _at(paid), amount
        db.session.add(
            Payment(
                agency_id=agency_id,
                invoice_id=row.id,
                paid_on=paid,
                method="bank_transfer",
                amount_minor=amount,
                kind=kind,
            )
        )
        db.session.flush()
    return row


def _world(tt):
    a, c, other = tt.agency.id, tt.client_id, tt.other_client_id
    _plan(a, c, 200000, "2026-03")  # March drafted: April on
    _plan(a, other, 10000, None)  # never drafted: every month
    _plan(a, other, 99999, None, active=False)
    invoice(a, c, 50000, status="draft")
    _paid(a, c, 80000, dt.date(2026, 1, 1), dt.date(2026, 2, 10))  # 40 days to pay
    _open(a, c, 100000, dt.date(2026, 3, 1), dt.date(2026, 3, 16))  # expected 10 April
    _open(a, other, 30000, dt.date(2026, 3, 5), dt.date(2026, 5, 20))  # no habit: due date
    _open(a, other, 7000, dt.date(2026, 1, 2), dt.date(2026, 2, 1))  # overdue: this month


def test_revenue_cash_and_actuals_month_by_month(app, in_agency):
    tt = in_agency
    _world(tt)
    f = forecast()
    assert f.today == TODAY and f.months[0].month == MARCH and len(f.months) == 12
    by_month = {p.month: p for p in f.months}
    march, april, may = (by_month[dt.date(2026, m, 1)] for m in (3, 4, 5))
    assert march.retainers == {"USD": 10000} and march.drafts == {"USD": 50000}
    assert april.retainers == {"USD": 210000}
    assert (march.cash, april.cash, may.cash) == ({"USD": 7000}, {"USD": 100000}, {"USD": 30000})
    assert f.days_to_pay == {tt.client_id: 40}
    horizons = {h.months: h for h in f.horizons}
    assert horizons[3].revenue_base == 60000 + 210000 * 2
    assert horizons[12].revenue_base == 60000 + 210000 * 11
    assert horizons[3].cash_base == horizons[12].cash_base == 137000
    actual = {a.month: a.received_base for a in f.actuals}
    assert actual[dt.date(2026, 2, 1)] == 80000 and actual[MARCH] == 0
    assert len(f.actuals) == 12 and f.actuals[-1].month == MARCH
    assert f.recurring_work is False and f.missing == []


def test_other_currencies_use_todays_rate_or_name_the_missing_one(app, in_agency):
    tt = in_agency
    eur = ClientFactory(agency=tt.agency, name="Brasserie", currency="EUR")
    _open(tt.agency.id, eur.id, 100000, dt.date(2026, 3, 2), dt.date(2026, 3, 30), "EUR")
    f = forecast()
    assert f.months[0].cash == {"EUR": 100000} and f.months[0].cash_base is None
    assert f.horizons[0].cash_base is None
    assert MissingRate("EUR", TODAY) in f.missing
    fx_rate(tt.agency.id, "EUR", "1.0842", dt.date(2026, 1, 1))
    f = forecast()
    assert f.months[0].cash_base == 108420 and f.missing == []


def test_page_api_and_csv_for_owners_and_managers_only(app, tt):
    _world(tt)
    db.session.commit()
    for member in (tt.owner, tt.manager):
        page = web(app, member).get(f"/{tt.slug}/forecast")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'data-testid="no-recurring-work"' in html and "data-series-chart=" in html
        body = api(app, member).get("/forecast").get_json()
        assert [h["months"] for h in body["horizons"]] == [3, 6, 12]
        assert body["horizons"][0]["cash_base_minor"] == 137000
    resp = web(app, tt.owner).get(f"/{tt.slug}/forecast.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    april = next(r for r in rows if r["month"] == "2026-04" and r["kind"] == "forecast")
    assert (april["retainers"], april["cash_expected"]) == ("2100.00", "1000.00")
    feb = next(r for r in rows if r["month"] == "2026-02" and r["kind"] == "actual")
    assert feb["received"] == "800.00"
    for member in (tt.va, tt.qa, tt.contact):
        assert web(app, member).get(f"/{tt.slug}/forecast").status_code == 403
        assert web(app, member).get(f"/{tt.slug}/forecast.csv").status_code == 403
        assert api(app, member).get("/forecast").status_code == 403


def test_statements_do_not_grow_with_clients(app, count_queries, frozen):
    from tests.time.support import make_time_team

    counts = []
    for size in (2, 20):
        tt = make_time_team()
        a = tt.agency.id
        fx_rate(a, "EUR", "1.08", dt.date(2026, 1, 1))
        for i in range(size):
            client = ClientFactory(agency=tt.agency, currency="EUR" if i % 2 else "USD")
            _plan(a, client.id, 1000 + i, "2026-03", currency=client.currency)
            _paid(a, client.id, 500, dt.date(2026, 1, 5), dt.date(2026, 1, 20 + i % 5))
            _open(a, client.id, 700, dt.date(2026, 3, 1), dt.date(2026, 3, 20))
        db.session.commit()
        owner, owner_api = web(app, tt.owner), api(app, tt.owner)
        per_call = []
        for http, url in (
            (owner, f"/{tt.slug}/forecast"),
            (owner_api.client, f"/api/v1/{tt.slug}/forecast"),
            (owner, f"/{tt.slug}/forecast.csv"),
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
