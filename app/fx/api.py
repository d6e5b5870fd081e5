"""JSON API of exchange rates: managers read them, owners add and remove them; 422 with
field errors."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.uow import commit
from app.fx import policy
from app.fx.models import ExchangeRate
from app.fx.queries import exchange_rates, get_exchange_rate_or_404
from app.fx.schemas import ExchangeRateFilterArgs, ExchangeRateIn, ExchangeRateOut
from app.fx.services import add_exchange_rate, delete_exchange_rate

blp = Blueprint(
    "fx_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Exchange rates to the agency's base currency",
)


@blp.route("/exchange-rates")
class ExchangeRatesResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(ExchangeRateFilterArgs, location="query")
    @blp.response(200, ExchangeRateOut(many=True))
    def get(self, args: dict, agency_slug: str) -> list:
        """The agency's rates (1 unit of `currency` in the base currency from
        `effective_from` on), by currency, newest day first (at most 500)."""
        authorize(policy.can_see_exchange_rates(g.actor))
        return exchange_rates(args.get("currency"))

    @roles("owner")
    @blp.arguments(ExchangeRateIn)
    @blp.response(201, ExchangeRateOut)
    def post(self, data: dict, agency_slug: str) -> ExchangeRate:
        """A rate from a day on (owners). One rate per currency and day; the base currency
        needs none."""
        authorize(policy.can_manage_exchange_rates(g.actor))
        row = add_exchange_rate(g.actor, data)
        commit()
        return row


@blp.route("/exchange-rates/<int:fx_rate_id>")
class ExchangeRateResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_exchange_rate_or_404, "fx_rate_id", "row")
    @blp.response(200, ExchangeRateOut)
    def get(self, agency_slug: str, row: ExchangeRate) -> ExchangeRate:
        """One rate."""
        authorize(policy.can_see_exchange_rates(g.actor))
        return row

    @roles("owner")
    @loads(get_exchange_rate_or_404, "fx_rate_id", "row")
    @blp.response(204)
    def delete(self, agency_slug: str, row: ExchangeRate) -> None:
        """Remove a rate (a mistake): reports use the rates left."""
        authorize(policy.can_manage_exchange_rates(g.actor))
        delete_exchange_rate(g.actor, row)
        commit()
