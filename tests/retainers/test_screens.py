"""The bank on screen and in the API: the plan form's fields (422 with field errors), the
billing page's bar, the portal's burn-down (only where the agency shows it, only to the
contact's own client), GET a plan's bank, and another agency's plan is not there."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.invoices.settings import update_invoice_settings
from app.retainers.models import RetainerPlan
from tests.clients.support import api, web
from tests.factories import ClientFactory, MembershipFactory
from tests.invoices.support import fresh
from tests.retainers.support import plan_of, worked


def test_the_plan_form_carries_the_bank_fields(app, team, owner):
    plan = plan_of(owner, team.client)
    db.session.commit()
    browser = web(app, team.owner)
    page = browser.get(f"/{team.slug}/retainers/{plan.id}/edit").get_data(as_text=True)
    assert 'data-testid="bank-fields"' in page and 'name="overage_mode"' in page
    resp = browser.post(
        f"/{team.slug}/retainers/{plan.id}/edit",
        data={
            "description": "Inbox care",
            "monthly_amount": "1000",
            "included_hours": "10",
            "rollover_policy": "up_to_hours",
            "rollover_hours": "",
            "overage_rate": "45",
            "overage_mode": "top_up",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-field-error="rollover_hours"' in html
    resp = browser.post(
        f"/{team.slug}/retainers/{plan.id}/edit",
        data={
            "description": "Inbox care",
            "monthly_amount": "1000",
            "included_hours": "10",
            "rollover_policy": "up_to_hours",
            "rollover_hours": "4",
            "overage_rate": "45",
            "overage_mode": "top_up",
            "alert_client_contact": "on",
            "active": "on",
        },
    )
    assert resp.status_code == 302
    saved = fresh(RetainerPlan, plan.id)
    assert (saved.rollover_policy, saved.rollover_hours, saved.rollover_months) == (
        "up_to_hours",
        4,
        None,
    )
    assert (saved.overage_rate_minor, saved.overage_mode, saved.alert_client_contact) == (
        4500,
        "top_up",
        True,
    )
    resp = browser.post(
        f"/{team.slug}/clients/{team.client.id}/retainers",
        data={"description": "More", "monthly_amount": "10", "rollover_policy": "forever"},
    )
    assert resp.status_code == 422
    assert 'data-field-error="rollover_policy"' in resp.get_data(as_text=True)


def test_the_billing_page_shows_each_banks_bar(app, team, owner):
    plan_of(owner, team.client)
    worked(team, 8.5)
    db.session.commit()
    page = web(app, team.manager).get(f"/{team.slug}/clients/{team.client.id}/billing")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="bank-bar" data-percent="85"' in html


def test_the_portal_burn_down_only_where_the_agency_shows_it(app, team, owner):
    plan_of(owner, team.client)
    worked(team, 4, dt.date(2026, 3, 3))
    other_client = ClientFactory(agency=team.agency, name="Cedar Dental")
    plan_of(owner, other_client, description="Cedar's plan")
    other_contact = MembershipFactory(agency=team.agency, role="client", client_id=other_client.id)
    db.session.commit()
    home = f"/{team.slug}/portal"
    assert 'data-testid="burndown"' not in web(app, team.contact).get(home).get_data(as_text=True)

    update_invoice_settings(owner, {"portal_hour_bank": True})
    db.session.commit()
    html = web(app, team.contact).get(home).get_data(as_text=True)
    assert 'data-testid="burndown"' in html and "<polyline" in html
    assert "Inbox care" in html and "Cedar&#39;s plan" not in html
    theirs = web(app, other_contact).get(home).get_data(as_text=True)
    assert "Cedar&#39;s plan" in theirs and "Inbox care" not in theirs


def test_the_api_carries_the_fields_and_the_bank(app, team, owner):
    owner_api = api(app, team.owner)
    resp = owner_api.post(
        f"/clients/{team.client.id}/retainers",
        json={
            "description": "Bookkeeping",
            "monthly_amount_minor": 90000,
            "included_hours": "10",
            "rollover_policy": "expire_after_months",
            "rollover_months": 2,
            "overage_rate_minor": 6000,
        },
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert (body["rollover_policy"], body["rollover_months"], body["overage_mode"]) == (
        "expire_after_months",
        2,
        "next_invoice",
    )
    assert body["overage_rate_minor"] == 6000 and body["bank_from"] == "2026-03"
    worked(team, 2.5)
    db.session.commit()
    bank = owner_api.get(f"/retainers/{body['id']}/bank").json
    assert bank["used_hours"] == "2.5" and bank["available_hours"] == "10"
    assert bank["percent"] == 25 and len(bank["days"]) == 31
    assert owner_api.get(f"/retainers/{body['id']}/bank?month=2026-02").json["used_hours"] == "0"
    assert owner_api.get(f"/retainers/{body['id']}/bank?month=2026-13").status_code == 422
    # A bank is counted month by month from its first: far years are refused, naming month.
    for far in ("0000-01", "1999-12", "9999-12"):
        resp = owner_api.get(f"/retainers/{body['id']}/bank?month={far}")
        assert resp.status_code == 422, (far, resp.status_code)
        assert "month" in str(resp.json), resp.json
    for bad in (
        {"rollover_policy": "forever"},
        {"overage_mode": "sometimes"},
        {"rollover_months": 0},
        {"rollover_policy": "up_to_hours"},
        {"overage_rate_minor": -5},
        {"rollover_hours": "-1"},
    ):
        resp = owner_api.patch(f"/retainers/{body['id']}", json=bad)
        assert resp.status_code == 422, (bad, resp.json)
    assert api(app, team.va).get(f"/retainers/{body['id']}/bank").status_code == 403


def test_another_agencys_plan_and_bank_are_not_found(app, team, owner, other):
    plan = plan_of(owner, team.client)
    db.session.commit()
    intruder = api(app, other.owner)
    assert intruder.get(f"/retainers/{plan.id}/bank").status_code == 404
    assert (
        intruder.patch(f"/retainers/{plan.id}", json={"overage_mode": "top_up"}).status_code == 404
    )
    assert web(app, other.owner).get(f"/{other.slug}/retainers/{plan.id}/edit").status_code == 404
