"""Receivables (per client and currency, aged, converted to the base currency with the
rate each conversion used) and retainers (CRUD on the client's billing page and the API;
the periodic job drafts each plan's invoice once per month on the agency's day)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.jobs import OutboxJob, enqueue_job, run_outbox_job
from app.core.schedule import PERIODIC
from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices import services
from app.invoices.models import Invoice
from app.invoices.services import void_invoice
from app.invoices.settings import update_invoice_settings
from app.payments.receivables import receivables
from app.payments.services import record_payment
from app.retainers.models import RetainerPlan
from app.retainers.services import create_retainer, generate_retainer_drafts, update_retainer
from tests.clients.support import api, web
from tests.factories import AgencyFactory, ClientFactory
from tests.invoices.support import draft, fresh, issued

T0 = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=40)


@pytest.fixture
def book(team, owner, time_machine):
    """Open invoices in USD (the base), EUR and JPY, issued on 1 June 2026; the tests then
    read them 40 days later."""
    time_machine.move_to(T0, tick=False)
    a = ClientFactory(agency=team.agency, name="Alder", currency="USD")
    b = ClientFactory(agency=team.agency, name="Birch", currency="EUR")
    c = ClientFactory(agency=team.agency, name="Cedar", currency="EUR")
    d = ClientFactory(agency=team.agency, name="Dogwood", currency="JPY")
    late_usd = issued(owner, a, ("Work", 1, 10000), net_days=0)  # 40 days late
    time_machine.move_to(T0 + dt.timedelta(days=2), tick=False)  # payments come in later
    record_payment(owner, late_usd, {"amount_minor": 2000, "paid_on": dt.date(2026, 6, 2)})
    time_machine.move_to(T0, tick=False)
    soon_usd = issued(owner, a, ("Work", 1, 5000), net_days=60)
    late_eur = draft(owner, b, ("Work", 1, 20000), net_days=30)  # 10 days late
    services.issue_invoice(owner, late_eur, {"rate_to_base": Decimal("1.1")})
    later_eur = issued(owner, c, ("Work", 1, 10000), net_days=100)
    time_machine.move_to(T0 + dt.timedelta(days=2), tick=False)
    record_payment(
        owner,
        later_eur,
        {"amount_minor": 1000, "rate_to_base": Decimal("1.2"), "paid_on": dt.date(2026, 6, 3)},
    )
    time_machine.move_to(T0, tick=False)
    unrated_eur = issued(owner, b, ("Work", 1, 5000), net_days=100)
    yen = issued(owner, d, ("Work", 1, 1000), net_days=0)
    gone = issued(owner, a, ("Work", 1, 999), net_days=0)
    void_invoice(owner, gone)
    settled = issued(owner, a, ("Work", 1, 777), net_days=0)
    record_payment(owner, settled, {"amount_minor": 777, "paid_on": dt.date(2026, 6, 1)})
    draft(owner, a, ("Work", 1, 123))
    time_machine.move_to(NOW, tick=False)
    return {
        "late_usd": late_usd,
        "soon_usd": soon_usd,
        "late_eur": late_eur,
        "later_eur": later_eur,
        "unrated_eur": unrated_eur,
        "yen": yen,
        "clients": (a, b, c, d),
    }


def test_receivables_per_client_currency_bucket_and_in_the_base_currency(team, owner, book):
    data = receivables(owner, NOW)
    rows = {(r.client_name, r.currency): r for r in data.rows}
    assert set(rows) == {("Alder", "USD"), ("Birch", "EUR"), ("Cedar", "EUR"), ("Dogwood", "JPY")}
    alder = rows[("Alder", "USD")]
    assert (alder.invoices, alder.outstanding, alder.overdue) == (2, 13000, 8000)
    assert alder.buckets == {"current": 5000, "1-30": 0, "31-60": 8000, "61-90": 0, "90+": 0}
    birch = rows[("Birch", "EUR")]
    assert (birch.outstanding, birch.overdue, birch.base_outstanding) == (25000, 20000, 28000)
    assert rows[("Dogwood", "JPY")].unconverted == 1

    assert {c: (r.outstanding, r.overdue) for c, r in data.by_currency.items()} == {
        "EUR": (34000, 20000),
        "JPY": (1000, 1000),
        "USD": (13000, 8000),
    }
    assert (data.base.outstanding, data.base.overdue) == (13000 + 22000 + 10800 + 6000, 30000)
    assert data.base.buckets == {
        "current": 5000 + 10800 + 6000,
        "1-30": 22000,
        "31-60": 8000,
        "61-90": 0,
        "90+": 0,
    }
    used = {number: (rate.rate, rate.source) for number, _, rate in data.rates}
    assert used == {
        book["late_eur"].number: (Decimal("1.1"), "issue"),
        book["later_eur"].number: (Decimal("1.2"), "payment"),
        book["unrated_eur"].number: (Decimal("1.2"), "latest"),
    }
    assert data.unconverted == [book["yen"].number]
    assert [month for month, _ in data.by_month] == ["2026-06", "2026-07", "2026-09"]


def test_receivables_page_and_api(app, team, owner, book):
    db.session.commit()
    page = web(app, team.owner).get(f"/{team.slug}/receivables")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "latest EUR payment rate (3 Jun 2026)" in html and "rate recorded at issue" in html
    assert book["yen"].number in html  # listed as not converted
    assert re.search(r'<canvas[^>]+data-labels="\[&#34;2026-06&#34;', html)
    assert 'data-values="[80.0, 270.0, 168.0]"' in html  # base-currency amounts by due month
    body = api(app, team.manager).get("/receivables").json
    assert body["base_currency"] == "USD"
    assert body["base"]["outstanding_minor"] == data_total(book)
    assert body["unconverted"] == [book["yen"].number]
    assert {r["source"] for r in body["rates"]} == {"issue", "payment", "latest"}


def data_total(book) -> int:
    return 13000 + 22000 + 10800 + 6000


# --- retainers ---------------------------------------------------------------------------


def test_retainers_on_the_billing_page(app, team):
    browser = web(app, team.owner)
    url = f"/{team.slug}/clients/{team.client.id}/billing"
    assert browser.get(url).status_code == 200
    resp = browser.post(
        f"/{team.slug}/clients/{team.client.id}/retainers",
        data={"description": "Virtual reception", "monthly_amount": "1200", "active": "on"},
    )
    assert resp.status_code == 302
    with all_tenants():
        plan = db.session.scalar(
            sa.select(RetainerPlan).where(RetainerPlan.agency_id == team.agency.id)
        )
    assert (plan.monthly_amount_minor, plan.currency, plan.active) == (120000, "USD", True)
    resp = browser.post(
        f"/{team.slug}/retainers/{plan.id}/edit",
        data={"description": "Virtual reception", "monthly_amount": "1300.5", "currency": "USD"},
    )
    assert resp.status_code == 302
    plan = fresh(RetainerPlan, plan.id)
    assert (plan.monthly_amount_minor, plan.active) == (130050, False)
    resp = browser.post(
        f"/{team.slug}/clients/{team.client.id}/retainers",
        data={"description": "", "monthly_amount": "-1"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-field-error="description"' in html
    assert browser.post(f"/{team.slug}/retainers/{plan.id}/delete").status_code == 302
    assert fresh(RetainerPlan, plan.id) is None


def test_retainers_through_the_api(app, team):
    owner_api = api(app, team.owner)
    resp = owner_api.post(
        f"/clients/{team.client.id}/retainers",
        json={"description": "Bookkeeping", "monthly_amount_minor": 90000, "included_hours": "10"},
    )
    assert resp.status_code == 201, resp.json
    plan_id = resp.json["id"]
    assert resp.json["formatted"] == "$900.00" and resp.json["included_hours"] == "10"
    resp = owner_api.patch(f"/retainers/{plan_id}", json={"active": False})
    assert resp.json["active"] is False
    assert owner_api.get(f"/clients/{team.client.id}/retainers").json["meta"]["total"] == 1
    assert api(app, team.va).get(f"/retainers/{plan_id}").status_code == 403
    assert owner_api.delete(f"/retainers/{plan_id}").status_code == 204


def test_the_job_drafts_each_plan_once_a_month_on_the_agencys_day(team, owner):
    update_invoice_settings(owner, {"recurring_day": 5})
    plan = create_retainer(
        owner, team.client, {"description": "Front desk", "monthly_amount_minor": 50000}
    )
    paused = create_retainer(
        owner, team.client, {"description": "Paused", "monthly_amount_minor": 1, "active": False}
    )
    db.session.flush()
    london = "Europe/London"  # the factories' agency zone
    assert team.agency.time_zone == london

    assert generate_retainer_drafts(dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)) == {
        "created": 0
    }
    assert generate_retainer_drafts(dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)) == {"created": 1}
    assert generate_retainer_drafts(dt.datetime(2026, 12, 20, 9, tzinfo=dt.UTC)) == {"created": 0}
    drafts = db.session.scalars(
        sa.select(Invoice).where(Invoice.client_id == team.client.id).order_by(Invoice.id)
    ).all()
    assert [(d.status, d.period_label, d.total_minor) for d in drafts] == [
        ("draft", "December 2026", 50000)
    ]
    line = drafts[0].lines[0]
    assert (line.description, line.source_type, line.source_id) == (
        "Front desk — December 2026",
        "retainer",
        plan.id,
    )
    assert fresh(RetainerPlan, plan.id).last_generated_month == "2026-12"
    assert fresh(RetainerPlan, paused.id).last_generated_month is None

    update_retainer(owner, fresh(RetainerPlan, plan.id), {"monthly_amount_minor": 60000})
    db.session.flush()
    assert generate_retainer_drafts(dt.datetime(2027, 1, 5, 0, 1, tzinfo=dt.UTC)) == {"created": 1}
    newest = db.session.scalars(
        sa.select(Invoice).where(Invoice.client_id == team.client.id).order_by(Invoice.id.desc())
    ).first()
    assert (newest.period_label, newest.total_minor) == ("January 2027", 60000)


def test_the_recurring_day_is_in_the_agencys_time_zone(owner):
    from app.core.permissions import Actor
    from app.core.tenancy import tenant
    from tests.factories import MembershipFactory

    db.session.flush()
    agency = AgencyFactory(time_zone="Pacific/Auckland")
    client = ClientFactory(agency=agency, currency="NZD", locale="en_NZ")
    member = MembershipFactory(agency=agency, role="owner")
    with tenant(agency.id):
        actor = Actor(user=member.user, agency=agency, membership=member)
        create_retainer(actor, client, {"description": "Care", "monthly_amount": Decimal("99")})
        db.session.flush()
    # 10:59 UTC on 30 November is still November in Auckland; 11:00 is 1 December there.
    assert generate_retainer_drafts(dt.datetime(2026, 11, 30, 10, 59, tzinfo=dt.UTC)) == {
        "created": 1
    }
    assert generate_retainer_drafts(dt.datetime(2026, 11, 30, 10, 59, tzinfo=dt.UTC)) == {
        "created": 0
    }
    assert generate_retainer_drafts(dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC)) == {
        "created": 1
    }
    with tenant(agency.id):
        labels = db.session.scalars(sa.select(Invoice.period_label).order_by(Invoice.id)).all()
    assert labels == ["November 2026", "December 2026"]


def test_the_job_is_on_the_clock_and_runs_through_the_outbox(team, owner):
    assert any(p.func == "app.retainers.services.generate_retainer_drafts" for p in PERIODIC)
    create_retainer(owner, team.client, {"description": "Care", "monthly_amount_minor": 100})
    row = enqueue_job(
        db.session, "app.retainers.services.generate_retainer_drafts", label="Retainer drafts"
    )
    db.session.commit()
    assert run_outbox_job(row.id) == "succeeded"
    assert db.session.get(OutboxJob, row.id).result == {"created": 1}
    row = enqueue_job(
        db.session, "app.retainers.services.generate_retainer_drafts", label="Retainer drafts"
    )
    db.session.commit()
    assert run_outbox_job(row.id) == "succeeded"
    assert db.session.get(OutboxJob, row.id).result == {"created": 0}
