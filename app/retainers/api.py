"""JSON API of retainer plans. Registered on the invoices API blueprint
(app.invoices.blueprint.blp: one group in the API documents), with the same `loads`
(load before parsing: another agency's id is a 404 whatever the body holds)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, loads, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import PageArgs
from app.core.uow import commit
from app.invoices import policy
from app.invoices.blueprint import blp
from app.retainers.hours import agency_month, bank_for
from app.retainers.models import RetainerPlan
from app.retainers.queries import get_retainer_or_404, visible_retainers
from app.retainers.schemas import (
    BankArgs,
    BankOut,
    RetainerIn,
    RetainerOut,
    RetainerPageOut,
    RetainerPatchIn,
)
from app.retainers.services import create_retainer, delete_retainer, update_retainer

# --- receivables, deposits, retainers ------------------------------------------------------


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


@blp.route("/retainers/<int:retainer_id>/bank")
class RetainerBank(MethodView):
    @roles(*MANAGERS)
    @loads(get_retainer_or_404, "retainer_id", "plan")
    @blp.arguments(BankArgs, location="query")
    @blp.response(200, BankOut)
    def get(self, args: dict, agency_slug: str, plan: RetainerPlan) -> dict:
        """The plan's bank of hours for a month: included, rolled over, used (by day),
        remaining, over and the per cent used (hours as decimal strings)."""
        month = args.get("month") or agency_month(g.actor.agency.time_zone)
        return bank_for(plan, month).as_dict()


# --- settings and tax rates ----------------------------------------------------------------
