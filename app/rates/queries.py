"""Read side of rates: the settings row, the rate rows of each page, and the loaders.

Every `get_<noun>_or_404` loads through the tenant-scoped session (another agency's id does
not exist) and the matching visibility rule (app.rates.policy).
"""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client, ServicePackage
from app.core.permissions import Actor
from app.extensions import db
from app.rates.models import BillRate, CostRate, TimeBillingSettings
from app.rates.policy import can_see_bill_rates, can_see_costs_of
from app.users.models import Membership, User
from app.work.models import WorkItem

SETTINGS_DEFAULTS = {
    "rounding_increment": 1,
    "rounding_direction": "nearest",
    "bill_only_qa_approved": True,
}


def billing_settings() -> TimeBillingSettings:
    """The agency's row, or the defaults (not added to the session) before the first save."""
    row = db.session.scalar(sa.select(TimeBillingSettings))
    return row if row is not None else TimeBillingSettings(**SETTINGS_DEFAULTS)


def _newest_first(stmt: sa.Select) -> sa.Select:
    return stmt.order_by(BillRate.effective_from.desc(), BillRate.id.desc())


def agency_rates() -> list[BillRate]:
    stmt = _newest_first(sa.select(BillRate).where(BillRate.level == "agency"))
    return list(db.session.scalars(stmt))


def package_rates() -> dict[int, list[BillRate]]:
    """Dated rates of every service package, by package id."""
    out: dict[int, list[BillRate]] = {}
    stmt = _newest_first(sa.select(BillRate).where(BillRate.level == "package"))
    for row in db.session.scalars(stmt):
        out.setdefault(row.service_package_id, []).append(row)
    return out


def packages() -> list[ServicePackage]:
    """The catalogue's packages, active first, by name (a package's clients' time bills at
    its dated rates, or at its price when it is sold by the hour)."""
    stmt = sa.select(ServicePackage).order_by(
        ServicePackage.active.desc(), ServicePackage.name, ServicePackage.id
    )
    return list(db.session.scalars(stmt))


def client_rates(client: Client) -> list[BillRate]:
    """The client's dated rates, its people's overrides and its work items' rates."""
    items = sa.select(WorkItem.id).where(WorkItem.client_id == client.id)
    stmt = _newest_first(
        sa.select(BillRate).where(
            sa.or_(BillRate.client_id == client.id, BillRate.work_item_id.in_(items))
        )
    )
    return list(db.session.scalars(stmt))


def client_work_items(client: Client, limit: int = 300) -> list[WorkItem]:
    """The client's work items a rate may be set for, newest first."""
    stmt = (
        sa.select(WorkItem)
        .where(WorkItem.client_id == client.id, WorkItem.cancelled_at.is_(None))
        .order_by(WorkItem.created_at.desc(), WorkItem.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def staff_members() -> list[Membership]:
    """Active people who record time (owners, managers, VAs), by name."""
    stmt = (
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(("owner", "manager", "va")), Membership.status == "active")
        .order_by(User.name, Membership.id)
    )
    return list(db.session.scalars(stmt))


def get_bill_rate_or_404(actor: Actor, rate_id: int) -> BillRate:
    rate = db.session.scalar(sa.select(BillRate).where(BillRate.id == rate_id))
    if rate is None or not can_see_bill_rates(actor):
        raise NotFound()
    return rate


def visible_cost_rates(actor: Actor) -> sa.Select:
    """Everyone's for those who see costs; otherwise one's own."""
    stmt = sa.select(CostRate)
    if actor.sees_costs:
        return stmt
    if actor.membership is not None and actor.role in ("manager", "va"):
        return stmt.where(CostRate.membership_id == actor.membership.id)
    return stmt.where(sa.false())


def cost_rates_of(actor: Actor, member: Membership) -> list[CostRate]:
    """A person's cost rates, newest day first (none unless the actor may see them)."""
    if not can_see_costs_of(actor, member):
        return []
    stmt = visible_cost_rates(actor).where(CostRate.membership_id == member.id)
    return list(
        db.session.scalars(stmt.order_by(CostRate.effective_from.desc(), CostRate.id.desc()))
    )


def get_cost_rate_or_404(actor: Actor, cost_rate_id: int) -> CostRate:
    rate = db.session.scalar(visible_cost_rates(actor).where(CostRate.id == cost_rate_id))
    if rate is None:
        raise NotFound()
    return rate
