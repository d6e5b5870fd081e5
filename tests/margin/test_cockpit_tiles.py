"""The cockpit's money tiles on the owner's dashboard: margin this month (the client losing
money counted), payouts due and the next three months' revenue; managers see margin and
payouts only with the agency's costs switch on, VAs no cockpit at all."""

from __future__ import annotations

import re

from app.agencies.models import Agency
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import web
from tests.margin.support import MONTH, invoice
from tests.rates.support import cost_rate, entry


def _tile(html: str, key: str) -> str | None:
    match = re.search(rf'<a [^>]*data-testid="tile-{key}".*?</a>', html, re.S)
    return match.group(0) if match else None


def _value(tile: str) -> str:
    return re.search(r'data-testid="tile-value"><bdi>(.*?)</bdi>', tile).group(1)


def test_the_owner_sees_this_months_margin_with_the_losing_client(app, tt):
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 2000, day=MONTH)
    entry(a, va, tt.client_id, day=MONTH, seconds=3600 * 10)  # costs 200.00
    invoice(a, tt.client_id, 15000)  # billed 150.00: losing money
    invoice(a, tt.other_client_id, 50000)
    db.session.commit()
    html = web(app, tt.owner).get(f"/{tt.slug}/").get_data(as_text=True)
    margin = _tile(html, "margin")
    assert margin is not None and _value(margin) == "$450.00"
    assert "1 client losing money" in margin and "border-danger" in margin
    assert f'href="/{tt.slug}/margin?month=2026-03"' in margin
    payouts = _tile(html, "payouts")
    assert payouts is not None and _value(payouts) == "0 statements"
    assert "Everyone is paid" in payouts
    forecast = _tile(html, "forecast")
    assert forecast is not None and "Revenue, next 3 months" in forecast
    assert f'href="/{tt.slug}/forecast"' in forecast


def test_managers_see_costs_only_with_the_switch_and_vas_see_no_cockpit(app, tt):
    manager = web(app, tt.manager).get(f"/{tt.slug}/").get_data(as_text=True)
    assert _tile(manager, "margin") is None and _tile(manager, "payouts") is None
    assert _tile(manager, "forecast") is not None
    with all_tenants():
        db.session.get(Agency, tt.agency.id).managers_see_costs = True
        db.session.commit()
    manager = web(app, tt.manager).get(f"/{tt.slug}/").get_data(as_text=True)
    assert _tile(manager, "margin") is not None and _tile(manager, "payouts") is not None
    va = web(app, tt.va).get(f"/{tt.slug}/").get_data(as_text=True)
    assert 'data-testid="cockpit"' not in va
