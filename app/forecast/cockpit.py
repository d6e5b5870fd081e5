"""The cockpit's forecast tile: revenue expected over the next three months, and the cash
clients are expected to pay in that time, in the base currency."""

from __future__ import annotations

from flask import url_for

from app.core.cockpit import Tile, cockpit_tile
from app.core.money import page_money
from app.core.permissions import Actor
from app.core.translation import gettext
from app.forecast.policy import can_see_forecast
from app.forecast.services import forecast


@cockpit_tile(70)
def forecast_tile(actor: Actor) -> Tile | None:
    if not can_see_forecast(actor):
        return None
    found = forecast(agency=actor.agency)
    horizon = found.horizons[0]
    base = found.base_currency

    def money(amount: int | None) -> str:
        return page_money(amount, base) if amount is not None else "—"

    return Tile(
        key="forecast",
        label=gettext("Revenue, next %(months)d months", months=horizon.months),
        value=money(horizon.revenue_base),
        detail=gettext("Cash expected: %(amount)s", amount=money(horizon.cash_base)),
        icon="graph-up",
        href=url_for("forecast.report", agency_slug=actor.agency.slug),
    )
