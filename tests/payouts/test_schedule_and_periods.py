"""The payout period setting (weekly from the chosen day, every two weeks from an anchor,
monthly), the periodic job (the last ended period's statements, once however often it
runs) and the dashboard's payouts due."""

from __future__ import annotations

import datetime as dt

import time_machine

from app.core.schedule import PERIODIC
from app.core.tenancy import tenant
from app.extensions import db
from app.payouts.generation import sweep_payouts
from app.payouts.models import PayoutSettings
from app.payouts.queries import Period, payouts_due, period_of, previous_period
from tests.payouts.support import FEB, cost_rate, entry, statements


def test_periods_of_each_setting():
    day = dt.date(2026, 3, 11)  # a Wednesday
    weekly = PayoutSettings(period="weekly", week_start="saturday")
    assert period_of(day, weekly) == Period(dt.date(2026, 3, 7), dt.date(2026, 3, 14))
    fortnight = PayoutSettings(period="fortnightly", fortnight_anchor=dt.date(2026, 1, 5))
    assert period_of(day, fortnight) == Period(dt.date(2026, 3, 2), dt.date(2026, 3, 16))
    assert period_of(dt.date(2025, 12, 31), fortnight) == Period(
        dt.date(2025, 12, 22), dt.date(2026, 1, 5)
    )
    monthly = PayoutSettings(period="monthly")
    assert period_of(day, monthly) == Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert previous_period(period_of(day, monthly), monthly) == FEB


def test_the_sweep_makes_the_last_periods_statements_once(app, in_agency):
    assert any(p.func.endswith("sweep_payouts") for p in PERIODIC)
    tt = in_agency
    cost_rate(tt.agency.id, tt.va.id, 1000)
    entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 2, 20), seconds=3600)
    db.session.commit()
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        assert sweep_payouts()["statements"] == 1
        assert sweep_payouts()["statements"] == 0
    (s,) = statements(tt.va.id)
    assert (s.period_start, s.total_minor, s.state) == (FEB.start, 1000, "draft")
    with tenant(tt.agency.id):
        assert payouts_due(tt.agency) == (1, {"USD": 1000})
