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
