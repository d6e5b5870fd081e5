"""The demo agency's cockpit: a VA over capacity this week (an overdue item that needs 46
hours), a client that loses money this month (approved time at cost, nothing
billed to it yet this month), last period's payout statements, one paid and the rest
waiting for the owner, and skill tags on the VAs, SOPs and clients (so assignment
suggestions have skills to match)."""

from __future__ import annotations

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.money import from_minor
from app.core.permissions import Actor
from app.extensions import db
from app.payouts.generation import generate_period
from app.payouts.queries import payout_settings, period_of, previous_period
from app.payouts.services import mark_paid, review_statement
from app.sops.models import Sop
from app.suggestions.services import set_tags
from app.time.models import TimeEntry
from app.users.models import Membership
from app.work.models import OPEN_STATES, WorkItem

# SOP slug -> skills; each VA's skills in turn; clients get their SOPs' first skill.
SOP_SKILLS = {
    "month-end-bookkeeping-close": ["bookkeeping", "xero"],
    "daily-inbox-management": ["inbox", "calendar"],
    "monthly-social-media": ["social-media", "canva"],
    "weekly-client-status-report": ["reporting"],
}
VA_SKILLS = (
    ["bookkeeping", "xero", "reporting"],
    ["inbox", "calendar", "social-media", "canva"],
)
BIG_ESTIMATE_MINUTES = 46 * 60  # more than a 40-hour week
LOSS_HOURS = 9


def _over_capacity(agency: Agency, vas: list[Membership]) -> None:
    """A VA's overdue open item turns out to need 46 hours: overdue work is planned in this
    week, so that VA is over capacity (due dates stay as they are)."""
    item = db.session.scalar(
        sa.select(WorkItem)
        .where(
            WorkItem.assignee_id.in_([va.id for va in vas]),
            WorkItem.state.in_(OPEN_STATES),
            WorkItem.due_at < utcnow(),
        )
        .order_by(WorkItem.due_at, WorkItem.id)
    )
    if item is not None:
        item.estimate_minutes = BIG_ESTIMATE_MINUTES


def _losing_client(agency: Agency, clients: list[Client], va: Membership) -> None:
    """Approved time this month for the last client (nothing billed to it this month), at
    the VA's cost: its margin is below zero."""
    client = clients[-1]
    today = today_in(agency.time_zone)
    day = today.replace(day=1)
    if va.cost_rate_minor is None:
        va.cost_rate_minor, va.cost_currency = 1800, agency.base_currency
    now = utcnow()
    db.session.add(
        TimeEntry(
            membership_id=va.id,
            client_id=client.id,
            billable=True,
            entry_date=day,
            duration_seconds=LOSS_HOURS * 3600,
            zone=va.user.time_zone or "UTC",
            notes="Month-end reconciliation (not billed yet)",
            approved_at=now,
        )
    )


def _payouts(agency: Agency, owner: Membership) -> None:
    """Statements of last period and of this one so far: the first with approved time (on
    whatever day the demo is seeded) is reviewed and paid, the others wait for the owner."""
    actor = Actor(user=owner.user, agency=agency, membership=owner)
    settings = payout_settings()
    current = period_of(today_in(agency.time_zone), settings)
    paid = False
    for period in (previous_period(current, settings), current):
        made = [s for s in generate_period(actor, period) if s.total_minor > 0]
        payable = [s for s in made if not s.blocked_by_unpriced]
        if paid or not payable:
            continue
        first = payable[0]
        review_statement(actor, first)
        mark_paid(
            actor,
            first,
            {
                "amount": str(from_minor(first.total_minor, first.currency)),
                "paid_on": min(period.end, today_in(agency.time_zone)),
                "method": "bank_transfer",
                "reference": f"PAY-{period.start:%Y%m%d}-1",
            },
        )
        paid = True


def seed_demo_cockpit(
    agency: Agency, clients: list[Client], vas: list[Membership], owner: Membership
) -> None:
    _over_capacity(agency, vas)
    _losing_client(agency, clients, vas[-1])
    db.session.flush()
    _payouts(agency, owner)
    db.session.flush()
    _skills(agency, clients, vas, owner)


def _skills(
    agency: Agency, clients: list[Client], vas: list[Membership], owner: Membership
) -> None:
    actor = Actor(user=owner.user, agency=agency, membership=owner)
    for sop in db.session.scalars(sa.select(Sop).where(Sop.slug.in_(SOP_SKILLS))):
        set_tags(actor, "sop", sop, SOP_SKILLS[sop.slug])
    for va, skills in zip(vas, VA_SKILLS, strict=False):
        set_tags(actor, "member", va, skills)
    wanted = [skills[0] for skills in SOP_SKILLS.values()]
    for client, skill in zip(clients, wanted, strict=False):
        set_tags(actor, "client", client, [skill])
