"""JSON API around invoices: receivables, deposit invoices, retainers, invoice settings and
tax rates. Registered on the invoices API blueprint (`api.blp`), with the same `loads`
(load before parsing: another agency's id is a 404 whatever the body holds)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, roles
from app.core.schemas import PageArgs
from app.core.uow import commit
from app.invoices import policy
from app.invoices.api import _authorize, _fresh, blp, loads
from app.invoices.deposits import create_deposit_invoice
from app.invoices.models import Invoice, RetainerPlan, TaxRate
from app.invoices.queries import (
    get_retainer_or_404,
    get_tax_rate_or_404,
    invoice_settings,
    visible_retainers,
    visible_tax_rates,
)
from app.invoices.receivables import receivables
from app.invoices.retainers import create_retainer, delete_retainer, update_retainer
from app.invoices.schemas import (
    DepositIn,
    InvoiceOut,
    ReceivablesOut,
    RetainerIn,
    RetainerOut,
    RetainerPageOut,
    RetainerPatchIn,
    SettingsIn,
    SettingsOut,
    TaxRateIn,
    TaxRateOut,
    TaxRatePageOut,
    TaxRatePatchIn,
)
from app.invoices.settings import create_tax_rate, update_invoice_settings, update_tax_rate

# --- receivables, deposits, retainers ------------------------------------------------------


@blp.route("/receivables")
class ReceivablesResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, ReceivablesOut)
    def get(self, agency_slug: str) -> dict:
        """Outstanding and overdue per client and currency, aging buckets, and totals in
        the base currency where a rate is known (each rate used is listed with its source)."""
        _authorize(policy.can_see_receivables(g.actor))
        data = receivables(g.actor)
        return {
            "base_currency": data.base_currency,
            "rows": data.rows,
            "by_currency": list(data.by_currency.values()),
            "base": data.base,
            "rates": [
                {"number": n, "currency": c, "rate": r.rate, "source": r.source, "note": r.note}
                for n, c, r in data.rates
            ],
            "unconverted": data.unconverted,
        }


@blp.route("/clients/<int:client_id>/deposit-invoices")
class ClientDepositInvoices(MethodView):
    @roles(*MANAGERS)
    @idempotent
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(DepositIn)
    @blp.response(201, InvoiceOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> Invoice:
        """Draft a deposit invoice for the client's deposit % of `amount_minor`."""
        _authorize(policy.can_manage_billing(g.actor, client))
        invoice = create_deposit_invoice(g.actor, client, data)
        commit()
        return _fresh(invoice)


@blp.route("/clients/<int:client_id>/retainers")
class ClientRetainers(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, RetainerPageOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """The client's monthly retainer plans."""
        _authorize(policy.can_manage_billing(g.actor, client))
        stmt = visible_retainers(g.actor).where(RetainerPlan.client_id == client.id)
        page = paginate(stmt.order_by(RetainerPlan.id), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(RetainerIn)
    @blp.response(201, RetainerOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> RetainerPlan:
        """Add a monthly retainer: a draft invoice appears on the agency's recurring day."""
        _authorize(policy.can_manage_billing(g.actor, client))
        plan = create_retainer(g.actor, client, data)
        commit()
        return plan


@blp.route("/retainers/<int:retainer_id>")
class RetainerResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.response(200, RetainerOut)
    def get(self, agency_slug: str, plan: RetainerPlan) -> RetainerPlan:
        """One retainer plan."""
        return plan

    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.arguments(RetainerPatchIn(partial=True))
    @blp.response(200, RetainerOut)
    def patch(self, data: dict, agency_slug: str, plan: RetainerPlan) -> RetainerPlan:
        """Change a retainer plan (`active: false` pauses its monthly drafts)."""
        _authorize(policy.can_manage_billing(g.actor, plan))
        update_retainer(g.actor, plan, data)
        commit()
        return plan

    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.response(204)
    def delete(self, agency_slug: str, plan: RetainerPlan) -> None:
        """Remove a retainer plan; invoices it drafted stay."""
        _authorize(policy.can_manage_billing(g.actor, plan))
        delete_retainer(g.actor, plan)
        commit()


# --- settings and tax rates ----------------------------------------------------------------


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
