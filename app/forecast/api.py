"""JSON API of the forecast: owners and managers."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.permissions import MANAGERS, authorize, roles
from app.forecast import policy
from app.forecast.presenters import forecast_dict
from app.forecast.schemas import ForecastOut
from app.forecast.services import forecast

blp = Blueprint(
    "forecast_api", __name__, url_prefix="/api/v1/<agency_slug>", description="Forecast"
)


@blp.route("/forecast")
class ForecastResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, ForecastOut)
    def get(self, agency_slug: str) -> dict:
        """Revenue (active retainers' months not drafted yet, open drafts this month; before
        tax) and cash expected from receivables (dated by each client's average days from
        issue to payment, else the due date) for the 12 months from this one, totals for 3, 6
        and 12 months, in each currency and in base at today's stored rates; `actuals`: the
        payments of the last 12 months. `series`: the fees of the items active recurring
        series will make (the client's fixed package fee each); `recurring_work` is true once
        any series exists."""
        authorize(policy.can_see_forecast(g.actor))
        return forecast_dict(forecast())
