"""The rates pages and API as each role meets them: bill rates for owners and managers,
costs for owners (managers when the agency says so) and each person's own, the settings for
owners; forms answer bad input at 422 beside the fields and write nothing; every change is
in the audit log; the invoice editor bills approved time."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from app.rates.models import BillRate, CostRate
from app.time.models import TimeEntry
from app.work.models import WorkItem
from tests.clients.support import api, web
from tests.factories import InvoiceFactory
from tests.rates.support import YESTERDAY, bill_rate, cost_rate, entry
from tests.time.support import NOW


def _rows(model, **where):
    with all_tenants():
        stmt = sa.select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list(db.session.scalars(stmt.execution_options(populate_existing=True)))


def _see_costs(tt, on: bool) -> None:
    tt.agency.managers_see_costs = on
    db.session.commit()


@pytest.fixture
def costed(tt):
    """The VA has an hourly cost of 15.00 from the start."""
    cost_rate(tt.agency.id, tt.va.id, 1500)
    db.session.commit()
    return tt


# --- costs per role ----------------------------------------------------------------------


def test_owner_sees_and_sets_costs_on_a_persons_page(app, costed):
    tt = costed
    browser = web(app, tt.owner)
    page = browser.get(f"/{tt.slug}/team/{tt.va.id}/rates").get_data(as_text=True)
    assert "$15.00 / hour" in page and 'data-testid="add-cost"' in page
    resp = browser.post(
        f"/{tt.slug}/team/{tt.va.id}/rates",
        data={"kind": "hourly", "rate": "17.50", "currency": "USD", "effective_from": "2026-03-01"},
    )
    assert resp.status_code == 302, resp.data
    rows = _rows(CostRate, membership_id=tt.va.id)
    assert sorted(r.rate_minor for r in rows) == [1500, 1750]
    assert "$17.50 / hour" in browser.get(f"/{tt.slug}/team/{tt.va.id}/rates").get_data(True)
    assert _rows(AuditEvent, action="cost_rate.created")


@pytest.mark.parametrize("on", [False, True])
def test_managers_see_costs_only_when_the_agency_says_so(app, costed, on):
    tt = costed
    _see_costs(tt, on)
    browser = web(app, tt.manager)
    page = browser.get(f"/{tt.slug}/team/{tt.va.id}/rates").get_data(as_text=True)
    assert ("$15.00" in page) is on and ('data-testid="costs-hidden"' in page) is not on
    team = browser.get(f"/{tt.slug}/team").get_data(as_text=True)
    assert ('data-testid="cost-rate"' in team) is on
    later = {"rate": "99.00", "effective_from": "2026-03-05"}
    resp = browser.post(f"/{tt.slug}/team/{tt.va.id}/rates", data=later)
    assert resp.status_code == (302 if on else 403)
    listed = api(app, tt.manager).get("/cost-rates").json
    assert [r["rate_minor"] for r in listed] == ([9900, 1500] if on else [])
    member = api(app, tt.manager).get(f"/members/{tt.va.id}").json
    assert ("cost_rate_minor" in member) is on


def test_a_va_sees_their_own_costs_and_nobody_elses(app, costed):
    tt = costed
    browser = web(app, tt.va)
    own = browser.get(f"/{tt.slug}/team/{tt.va.id}/rates")
    assert own.status_code == 200 and "$15.00 / hour" in own.get_data(as_text=True)
    assert 'data-testid="add-cost"' not in own.get_data(as_text=True)
    assert browser.get(f"/{tt.slug}/team/{tt.manager.id}/rates").status_code == 403
    mine = api(app, tt.va).get("/cost-rates")
    assert [r["rate_minor"] for r in mine.json] == [1500]
    other = cost_rate(tt.agency.id, tt.manager.id, 4000)
    db.session.commit()
    assert api(app, tt.va).get(f"/cost-rates?membership_id={tt.manager.id}").json == []
    assert api(app, tt.va).delete(f"/cost-rates/{other.id}").status_code == 403
    assert api(app, tt.va).post("/cost-rates", json={"rate_minor": 1}).status_code == 403
    assert web(app, tt.qa).get(f"/{tt.slug}/team/{tt.va.id}/rates").status_code == 403


def test_a_manager_cannot_set_a_cost_through_the_team_api_without_the_setting(app, costed):
    tt = costed
    resp = api(app, tt.manager).patch(f"/members/{tt.va.id}", json={"cost_rate_minor": 1})
    assert resp.status_code in (403, 409)
    _see_costs(tt, True)
    resp = api(app, tt.manager).patch(f"/members/{tt.va.id}", json={"cost_rate_minor": 1600})
    assert resp.status_code == 200 and resp.json["cost_rate_minor"] == 1600


def test_an_entrys_rate_shows_its_cost_only_to_who_sees_costs(app, costed):
    tt = costed
    with all_tenants():
        entry_id = entry(tt.agency.id, tt.va.id, tt.client_id).id
    db.session.commit()
    owner = api(app, tt.owner).get(f"/time-entries/{entry_id}/rate").json
    assert owner["rate_minor"] == 4500 and owner["level"] == "client"
    assert owner["billed_minutes"] == 60 and owner["amount_minor"] == 4500
    assert owner["cost_rate_minor"] == 1500 and owner["cost_kind"] == "hourly"
    manager = api(app, tt.manager).get(f"/time-entries/{entry_id}/rate").json
    assert manager["rate_minor"] == 4500 and "cost_rate_minor" not in manager
    assert api(app, tt.va).get(f"/time-entries/{entry_id}/rate").status_code == 403


# --- bill rates and settings -------------------------------------------------------------


def test_a_client_rate_override_and_work_item_rate_from_the_clients_page(app, tt):
    browser = web(app, tt.manager)
    url = f"/{tt.slug}/clients/{tt.client_id}/rates"
    assert browser.get(url).status_code == 200
    for data in (
        {"level": "client", "rate": "50.00", "effective_from": "2026-03-01"},
        {"level": "client_member", "membership_id": str(tt.va.id), "rate": "40.00"},
        {"level": "work_item", "work_item_id": str(tt.work_item_id), "rate": "70.00"},
    ):
        resp = browser.post(url, data=data)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    rows = sorted((r.level, r.rate_minor, r.currency) for r in _rows(BillRate))
    assert rows == [
        ("client", 5000, "USD"),
        ("client_member", 4000, "USD"),
        ("work_item", 7000, "USD"),
    ]
    page = browser.get(url).get_data(as_text=True)
    assert "$70.00 / hour" in page and "Weekly bookkeeping" in page and tt.va.user.name in page
    assert len(_rows(AuditEvent, action="bill_rate.created")) == 3
    gone = next(r for r in _rows(BillRate) if r.level == "work_item")
    assert browser.post(f"/{tt.slug}/bill-rates/{gone.id}/delete").status_code == 302
    assert len(_rows(BillRate)) == 2 and _rows(AuditEvent, action="bill_rate.deleted")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "client", "rate": "45.001"}, "rate"),
        ({"level": "client", "rate": "lots"}, "rate"),
        ({"level": "client"}, "rate"),
        ({"level": "client_member", "rate": "40.00"}, "membership_id"),
        ({"level": "work_item", "rate": "40.00", "work_item_id": "999999"}, "work_item_id"),
        ({"level": "client", "rate": "40.00", "currency": "XXQ"}, "currency"),
        ({"level": "client", "rate": "40.00", "effective_from": "someday"}, "effective_from"),
        ({"level": "nobody", "rate": "40.00"}, "level"),
    ],
)
def test_bad_rate_input_is_answered_beside_the_field(app, tt, data, field):
    resp = web(app, tt.owner).post(f"/{tt.slug}/clients/{tt.client_id}/rates", data=data)
    assert resp.status_code == 422
    assert f'data-field-error="{field}"' in resp.get_data(as_text=True)
    assert _rows(BillRate) == []


def test_a_second_rate_of_the_same_day_is_refused(app, tt):
    browser = web(app, tt.owner)
    url = f"/{tt.slug}/clients/{tt.client_id}/rates"
    data = {"level": "client", "rate": "50.00", "effective_from": "2026-03-01"}
    assert browser.post(url, data=data).status_code == 302
    again = browser.post(url, data={**data, "rate": "55.00"})
    assert again.status_code == 422 and 'data-field-error="effective_from"' in again.get_data(True)


def test_the_agency_default_and_package_rates_and_the_settings(app, tt):
    owner = web(app, tt.owner)
    resp = owner.post(f"/{tt.slug}/rates", data={"level": "agency", "rate": "30.00"})
    assert resp.status_code == 302
    assert "$30.00 / hour" in owner.get(f"/{tt.slug}/rates/settings").get_data(as_text=True)
    resp = owner.post(
        f"/{tt.slug}/rates/settings",
        data={
            "rounding_increment": "6",
            "rounding_direction": "up",
            "managers_see_costs": "on",
        },
    )
    assert resp.status_code == 302
    got = api(app, tt.owner).get("/time-billing-settings").json
    assert got == {
        "rounding_increment": 6,
        "rounding_direction": "up",
        "managers_see_costs": True,
        "bill_only_qa_approved": False,
    }
    assert _rows(AuditEvent, action="time_billing_settings.updated")
    bad = owner.post(f"/{tt.slug}/rates/settings", data={"rounding_increment": "7"})
    assert bad.status_code == 422 and 'data-field-error="rounding_increment"' in bad.get_data(True)
    assert web(app, tt.manager).get(f"/{tt.slug}/rates/settings").status_code == 403
    assert api(app, tt.manager).patch("/time-billing-settings", json={}).status_code == 403


def test_the_api_adds_and_removes_bill_rates(app, tt):
    owner = api(app, tt.owner)
    resp = owner.post(
        "/bill-rates",
        json={
            "level": "client",
            "client_id": tt.client_id,
            "rate_minor": 5200,
            "effective_from": None,
        },
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["effective_from"] is None and resp.json["currency"] == "USD"
    listed = owner.get(f"/bill-rates?client_id={tt.client_id}").json
    assert [r["rate_minor"] for r in listed] == [5200]
    bad = owner.post(
        "/bill-rates",
        json={"level": "client", "client_id": tt.client_id, "rate_minor": 1, "rate": "1.00"},
    )
    assert bad.status_code == 422 and "rate" in bad.json["errors"]
    assert owner.delete(f"/bill-rates/{resp.json['id']}").status_code == 204
    assert api(app, tt.va).get("/bill-rates").status_code == 403


# --- the invoice editor ------------------------------------------------------------------


def _approved_time(tt, count: int = 2) -> list[int]:
    with all_tenants():
        db.session.get(WorkItem, tt.work_item_id).approved_at = NOW
        ids = [
            entry(
                tt.agency.id,
                tt.va.id,
                tt.client_id,
                work_item_id=tt.work_item_id,
                day=YESTERDAY - dt.timedelta(days=i),
            ).id
            for i in range(count)
        ]
    db.session.commit()
    return ids


def _draft(tt) -> int:
    with all_tenants():
        invoice_id = InvoiceFactory(
            client=tt.team.client,
            status="draft",
            number=None,
            issued_at=None,
            total_minor=0,
            subtotal_minor=0,
        ).id
    db.session.commit()
    return invoice_id


def test_the_invoice_editor_bills_approved_time(app, tt):
    ids = _approved_time(tt)
    invoice = _draft(tt)
    browser = web(app, tt.owner)
    page = browser.get(f"/{tt.slug}/invoices/{invoice}").get_data(as_text=True)
    assert 'data-testid="source-time"' in page and 'data-testid="time-candidates"' in page
    resp = browser.post(
        f"/{tt.slug}/invoices/{invoice}/lines/import",
        data={"source": "time", "ids": [str(i) for i in ids], "group_by": "work_item"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    page = browser.get(f"/{tt.slug}/invoices/{invoice}").get_data(as_text=True)
    assert "Weekly bookkeeping (9 Mar 2026 – 10 Mar 2026)" in page
    assert 'data-testid="no-time"' in page
    with all_tenants():
        taken = db.session.scalars(sa.select(TimeEntry.invoice_id).where(TimeEntry.id.in_(ids)))
        assert set(taken) == {invoice}


def test_the_editor_says_what_it_left_out_and_refuses_it_at_422(app, tt):
    ids = _approved_time(tt, 1)
    bill_rate(tt.agency.id, "work_item", 900, "EUR", work_item_id=tt.work_item_id)
    invoice = _draft(tt)
    browser = web(app, tt.owner)
    page = browser.get(f"/{tt.slug}/invoices/{invoice}").get_data(as_text=True)
    assert 'data-problem="other_currency"' in page and "Priced in EUR" in page
    resp = browser.post(
        f"/{tt.slug}/invoices/{invoice}/lines/import",
        data={"source": "time", "ids": [str(ids[0])]},
    )
    assert resp.status_code == 422 and "Priced in EUR" in resp.get_data(as_text=True)


def test_the_api_lists_billable_time_and_bills_it_by_person(app, tt):
    ids = _approved_time(tt)
    invoice = _draft(tt)
    owner = api(app, tt.owner)
    listed = owner.get(f"/invoices/{invoice}/billable-time").json
    assert [r["entry_id"] for r in listed] == sorted(ids, reverse=True)
    assert {r["problem"] for r in listed} == {None} and listed[0]["rate_minor"] == 4500
    resp = owner.post(
        f"/invoices/{invoice}/lines/import",
        json={"source": "time", "ids": ids, "group_by": "person"},
    )
    assert resp.status_code == 201, resp.json
    (line,) = resp.json["lines"]
    assert line["description"].startswith(tt.va.user.name) and line["kind"] == "time"
    assert resp.json["total_minor"] == 9000
    assert owner.get(f"/invoices/{invoice}/billable-time").json == []
    bad = owner.post(
        f"/invoices/{invoice}/lines/import",
        json={"source": "time", "ids": ids, "group_by": "colour"},
    )
    assert bad.status_code == 422 and "group_by" in bad.json["errors"]
