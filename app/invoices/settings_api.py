"""JSON API of invoice settings and tax rates (owners change them; managers read), on the
invoices API blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from app.core.pagination import paginate
from app.core.permissions import MANAGERS, loads, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import PageArgs
from app.core.uow import commit
from app.invoices import policy
from app.invoices.blueprint import blp
from app.invoices.models import TaxRate
from app.invoices.queries import get_tax_rate_or_404, invoice_settings, visible_tax_rates
from app.invoices.schemas import (
    SettingsIn,
    SettingsOut,
    TaxRateIn,
    TaxRateOut,
    TaxRatePageOut,
    TaxRatePatchIn,
)
from app.invoices.settings import create_tax_rate, update_invoice_settings, update_tax_rate


@blp.route("/invoice-settings")
class InvoiceSettingsResource(MethodView):
    @roles("owner")
    @blp.response(200, SettingsOut)
    def get(self, agency_slug: str) -> Any:
        """Numbering formats, yearly restart, rounding rule, recurring day, reminders."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        return invoice_settings()

    @roles("owner")
    @blp.arguments(SettingsIn(partial=True))
    @blp.response(200, SettingsOut)
    def patch(self, data: dict, agency_slug: str) -> Any:
        """Change settings; number formats allow only `{year}` and `{seq}`/`{seq:05}`."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        row = update_invoice_settings(g.actor, data)
        commit()
        return row


@blp.route("/tax-rates")
class TaxRatesResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TaxRatePageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """The agency's tax rates (inclusive or exclusive; retired ones last)."""
        stmt = visible_tax_rates(g.actor).order_by(TaxRate.active.desc(), TaxRate.name)
        page = paginate(stmt, args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles("owner")
    @blp.arguments(TaxRateIn)
    @blp.response(201, TaxRateOut)
    def post(self, data: dict, agency_slug: str) -> TaxRate:
        """Add a tax rate (`rate_percent`: 15 for 15 %)."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        rate = create_tax_rate(g.actor, data)
        commit()
        return rate


@blp.route("/tax-rates/<int:tax_rate_id>")
class TaxRateResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_tax_rate_or_404, "tax_rate_id", "rate")
    @blp.response(200, TaxRateOut)
    def get(self, agency_slug: str, rate: TaxRate) -> TaxRate:
        """One tax rate."""
        return rate

    @roles("owner")
    @loads(get_tax_rate_or_404, "tax_rate_id", "rate")
    @blp.arguments(TaxRatePatchIn(partial=True))
    @blp.response(200, TaxRateOut)
    def patch(self, data: dict, agency_slug: str, rate: TaxRate) -> TaxRate:
        """Change or retire (`active: false`) a rate; existing lines keep their copy."""
        _authorize(policy.can_manage_invoice_settings(g.actor))
        update_tax_rate(g.actor, rate, data)
        commit()
        return rate
