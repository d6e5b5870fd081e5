"""Set-up of the rates tests: the time tests' team (a VA assigned to two clients, a work item
of each, a frozen clock), entries made directly (approved as a timesheet would leave them),
rates, and an actor per member for the services."""

from __future__ import annotations

import datetime as dt

from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.extensions import db
from app.rates.models import FROM_THE_START, BillRate, CostRate, bill_scope
from app.time.models import TimeEntry
from app.users.models import Membership
from tests.time.support import NOW, TODAY

YESTERDAY = TODAY - dt.timedelta(days=1)


def actor_of(member: Membership) -> Actor:
    return Actor(user=member.user, agency=member.agency, membership=member)


def entry(
    agency_id: int,
    member_id: int,
    client_id: int,
    *,
    work_item_id: int | None = None,
    activity_id: int | None = None,
    day: dt.date = YESTERDAY,
    seconds: int = 3600,
    approved: bool = True,
    billable: bool = True,
) -> TimeEntry:
    """A finished duration entry, approved (as its timesheet's approval leaves it) unless
    `approved=False`."""
    with all_tenants():
        row = TimeEntry(
            agency_id=agency_id,
            membership_id=member_id,
            client_id=client_id,
            work_item_id=work_item_id,
            activity_id=activity_id,
            billable=billable,
            entry_date=day,
            duration_seconds=seconds,
            zone="UTC",
            approved_at=NOW if approved else None,
        )
        db.session.add(row)
        db.session.flush()
    return row


def bill_rate(
    agency_id: int,
    level: str,
    minor: int,
    currency: str = "USD",
    day: dt.date | None = None,
    **refs: int,
) -> BillRate:
    with all_tenants():
        row = BillRate(
            agency_id=agency_id,
            level=level,
            scope=bill_scope(level, **refs),
            rate_minor=minor,
            currency=currency,
            effective_from=day or FROM_THE_START,
            **refs,
        )
        db.session.add(row)
        db.session.flush()
    return row


def cost_rate(
    agency_id: int,
    member_id: int,
    minor: int,
    *,
    kind: str = "hourly",
    sop_id: int | None = None,
    currency: str = "USD",
    day: dt.date | None = None,
) -> CostRate:
    with all_tenants():
        row = CostRate(
            agency_id=agency_id,
            membership_id=member_id,
            kind=kind,
            scope="hourly" if kind == "hourly" else f"sop:{sop_id}",
            sop_id=sop_id,
            rate_minor=minor,
            currency=currency,
            effective_from=day or FROM_THE_START,
        )
        db.session.add(row)
        db.session.flush()
    return row
