"""Alerts at 80 % and 100 % of a month's hours: owners and managers hear, the client's
contact too when the plan says so; once per threshold and month, whoever runs the sweep."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.schedule import PERIODIC
from app.core.tenancy import all_tenants
from app.extensions import db
from app.retainers.banks import sweep_hour_banks
from app.retainers.models import RetainerHourAlert
from tests.factories import ContactFactory
from tests.retainers.support import NOW, emails_to, plan_of, worked


def _alerts(plan_id: int) -> list[tuple[str, int]]:
    with all_tenants():
        rows = db.session.scalars(
            sa.select(RetainerHourAlert).where(RetainerHourAlert.plan_id == plan_id)
        ).all()
    return sorted((r.month, r.threshold) for r in rows)


def test_the_sweep_is_a_periodic_job():
    assert "app.retainers.banks.sweep_hour_banks" in {p.func for p in PERIODIC}


def test_80_then_100_percent_each_alert_once(team, owner, frozen):
    plan = plan_of(owner, team.client)
    worked(team, 7)
    db.session.commit()
    assert sweep_hour_banks(NOW) == {"alerts": 0, "top_ups": 0}
    assert emails_to(team.agency.id) == []

    worked(team, 1.5)  # 8.5 of 10 h: 85 %
    db.session.commit()
    assert sweep_hour_banks(NOW)["alerts"] == 1
    assert sweep_hour_banks(NOW)["alerts"] == 0  # running twice sends once
    sent = emails_to(team.agency.id)
    assert sorted(e.to_addr for e in sent) == sorted(
        [team.owner.user.email, team.manager.user.email]
    )
    assert "80" in sent[0].subject and "Harbour Bakery" in sent[0].subject
    assert _alerts(plan.id) == [("2026-03", 80)]

    worked(team, 2)  # 10.5 h: over the bank
    db.session.commit()
    assert sweep_hour_banks(NOW)["alerts"] == 1
    assert sweep_hour_banks(NOW + dt.timedelta(hours=1))["alerts"] == 0
    assert len(emails_to(team.agency.id)) == 4
    assert _alerts(plan.id) == [("2026-03", 80), ("2026-03", 100)]


def test_a_new_month_alerts_again(team, owner, frozen):
    plan = plan_of(owner, team.client)
    worked(team, 9)
    db.session.commit()
    assert sweep_hour_banks(NOW)["alerts"] == 1
    april = dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC)
    frozen.move_to(april)
    worked(team, 8.5, dt.date(2026, 4, 3))
    db.session.commit()
    assert sweep_hour_banks(april)["alerts"] == 1
    assert sweep_hour_banks(april)["alerts"] == 0
    assert _alerts(plan.id) == [("2026-03", 80), ("2026-04", 80)]


def test_jumping_past_both_sends_the_100_alert_and_records_both(team, owner):
    plan = plan_of(owner, team.client)
    worked(team, 12)
    db.session.commit()
    assert sweep_hour_banks(NOW)["alerts"] == 2
    sent = emails_to(team.agency.id)
    assert len(sent) == 2 and all("all the hours" in e.subject for e in sent)
    assert _alerts(plan.id) == [("2026-03", 80), ("2026-03", 100)]


def test_the_client_contact_hears_only_when_switched_on(team, owner):
    billing = ContactFactory(client=team.client, is_billing=True, email="ap@harbour.test")
    ContactFactory(client=team.client, email="chef@harbour.test")
    plan_of(owner, team.client, alert_client_contact=True)
    quiet = plan_of(owner, team.client, description="Second plan", alert_client_contact=False)
    worked(team, 17)  # 17 of 10 h on both plans
    db.session.commit()
    sweep_hour_banks(NOW)
    to = [e.to_addr for e in emails_to(team.agency.id)]
    assert to.count(billing.email) == 1 and "chef@harbour.test" not in to
    assert to.count(team.owner.user.email) == 2  # one per plan
    assert quiet.alert_client_contact is False


def test_paused_plans_and_plans_without_hours_do_not_alert(team, owner):
    plan_of(owner, team.client, active=False)
    plan_of(owner, team.client, description="Flat fee", included_hours=None)
    worked(team, 40)
    db.session.commit()
    assert sweep_hour_banks(NOW) == {"alerts": 0, "top_ups": 0}
