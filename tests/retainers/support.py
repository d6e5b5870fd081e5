"""Set-up of the hour bank tests: a plan with hours, and approved time of its client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from app.retainers.models import RetainerPlan
from app.retainers.services import create_retainer
from tests.rates.support import entry

# Friday 20 March 2026, 12:00 UTC (the factories' agencies are in Europe/London).
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
MONTH = "2026-03"


def plan_of(owner, client, **data) -> RetainerPlan:
    values = {
        "description": "Inbox care",
        "monthly_amount_minor": 100000,
        "included_hours": Decimal(10),
        **data,
    }
    plan = create_retainer(owner, client, values)
    db.session.flush()
    return plan


def worked(team, hours: float, day: dt.date = dt.date(2026, 3, 10), **kw):
    """Approved billable time of the team's client (by its VA)."""
    return entry(
        team.agency.id,
        team.va.id,
        kw.pop("client_id", team.client.id),
        day=day,
        seconds=int(hours * 3600),
        **kw,
    )


def emails_to(agency_id: int) -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.agency_id == agency_id)
                .order_by(OutboundEmail.id)
            )
        )
