"""Read side of retainer plans (owners and managers only)."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.permissions import Actor
from app.extensions import db
from app.retainers.models import RetainerPlan


def visible_retainers(actor: Actor) -> sa.Select:
    stmt = sa.select(RetainerPlan)
    return stmt if actor.is_manager else stmt.where(sa.false())


def get_retainer_or_404(actor: Actor, retainer_id: int) -> RetainerPlan:
    plan = db.session.scalar(visible_retainers(actor).where(RetainerPlan.id == retainer_id))
    if plan is None:
        raise NotFound()
    return plan


def client_retainers(actor: Actor, client: Client) -> list[RetainerPlan]:
    return list(
        db.session.scalars(
            visible_retainers(actor)
            .where(RetainerPlan.client_id == client.id)
            .order_by(RetainerPlan.active.desc(), RetainerPlan.id)
        )
    )


def client_banks(actor: Actor, client: Client) -> dict[int, object]:
    """This month's bank (the agency's month) of each of the client's plans with hours."""
    from app.retainers.hours import agency_month, bank_for, has_bank

    month = agency_month(actor.agency.time_zone)
    return {p.id: bank_for(p, month) for p in client_retainers(actor, client) if has_bank(p)}


def portal_hour_banks(actor: Actor) -> list[tuple[RetainerPlan, object, object]]:
    """A client contact's burn-downs: (plan, bank, chart) of their own client's active plans
    with hours, this month, only where the agency shows hour banks in the portal."""
    from app.core.clock import today_in
    from app.invoices.queries import invoice_settings
    from app.retainers.chart import burndown_chart
    from app.retainers.hours import bank_for, banked_plans_of_client, month_of

    if actor.role != "client" or actor.membership is None or not actor.membership.client_id:
        return []
    if not invoice_settings().portal_hour_bank:
        return []
    today = today_in(actor.agency.time_zone)
    out = []
    for plan in banked_plans_of_client(actor.membership.client_id):
        bank = bank_for(plan, month_of(today))
        out.append((plan, bank, burndown_chart(bank, upto=today.day)))
    return out
