"""The demo agency's rates of time: an agency default, settings that round each entry up to
6 minutes, a client's rate raised two weeks ago, one VA's override at a client, a work item's
own rate, and a VA's cost raised this month with a fee per work item of one SOP."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import today_in
from app.extensions import db
from app.rates.models import BillRate, CostRate, TimeBillingSettings, bill_scope
from app.users.models import Membership
from app.work.models import WorkItem


def seed_demo_rates(agency: Agency, clients: list[Client], vas: list[Membership]) -> None:
    today = today_in(agency.time_zone)
    two_weeks_ago = today - dt.timedelta(days=14)
    db.session.add(TimeBillingSettings(rounding_increment=6, rounding_direction="up"))
    first, second = clients[0], clients[1]
    item = db.session.scalar(
        sa.select(WorkItem).where(WorkItem.client_id == first.id).order_by(WorkItem.id)
    )
    rows = [
        BillRate(
            level="agency",
            scope=bill_scope("agency"),
            rate_minor=3500,
            currency=agency.base_currency,
            effective_from=dt.date(1900, 1, 1),
        ),
        BillRate(
            level="client",
            scope=bill_scope("client", client_id=second.id),
            client_id=second.id,
            rate_minor=(second.bill_rate_minor or 4000) + 500,
            currency=second.currency,
            effective_from=two_weeks_ago,
        ),
        BillRate(
            level="client_member",
            scope=bill_scope("client_member", client_id=first.id, membership_id=vas[0].id),
            client_id=first.id,
            membership_id=vas[0].id,
            rate_minor=(first.bill_rate_minor or 4000) + 1000,
            currency=first.currency,
            effective_from=two_weeks_ago,
        ),
    ]
    if item is not None:
        rows.append(
            BillRate(
                level="work_item",
                scope=bill_scope("work_item", work_item_id=item.id),
                work_item_id=item.id,
                rate_minor=(first.bill_rate_minor or 4000) + 2000,
                currency=first.currency,
                effective_from=two_weeks_ago,
            )
        )
    rows.append(
        CostRate(
            membership_id=vas[1].id,
            kind="hourly",
            scope="hourly",
            rate_minor=2000,
            currency="USD",
            effective_from=today.replace(day=1),
        )
    )
    if item is not None:
        rows.append(
            CostRate(
                membership_id=vas[0].id,
                kind="per_item",
                scope=f"sop:{item.sop_id}",
                sop_id=item.sop_id,
                rate_minor=2500,
                currency="USD",
                effective_from=two_weeks_ago,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
