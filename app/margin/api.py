"""JSON API of margin: the month by client, person or SOP, with the last twelve months, for
owners (managers when the agency lets them see costs); 422 naming a bad query field."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.clock import today_in
from app.core.permissions import MANAGERS, authorize, roles
from app.margin import policy
from app.margin.presenters import report_dict
from app.margin.schemas import MarginArgs, MarginOut
from app.margin.services import margin_report, parse_month

blp = Blueprint("margin_api", __name__, url_prefix="/api/v1/<agency_slug>", description="Margin")


@blp.route("/margin")
class MarginResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(MarginArgs, location="query")
    @blp.response(200, MarginOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Billed (issued invoices net of credit notes, tax excluded), cost (approved time at
        cost rates, per-item fees) and margin of `month`, grouped `by` client, va or sop, in
        each currency and in the base currency at the stored exchange rates (null where a
        rate is missing: see `missing_rates`); `months`: the last 12 months in base."""
        authorize(policy.can_see_margin(g.actor))
        month = (
            parse_month(args["month"])
            if args.get("month")
            else today_in(g.actor.agency.time_zone).replace(day=1)
        )
        return report_dict(margin_report(month, args["by"], losing_only=args["losing"]))
