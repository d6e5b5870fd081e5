"""Set-up of the suggestions tests: VAs with hours, tags, work and QA history."""

from __future__ import annotations

import datetime as dt

from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.suggestions.models import TAG_MODELS
from app.users.models import Membership
from tests.capacity.support import set_hours
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    SopFactory,
    SopVersionFactory,
    UserFactory,
)
from tests.work_screens.support import make_review

# Wednesday 4 March 2026, 15:00 UTC (tests.capacity.support.NOW); due on Friday.
DUE = dt.date(2026, 3, 6)
COLUMNS = {"member": "membership_id", "sop": "sop_id", "client": "client_id"}


def actor(member: Membership) -> Actor:
    return Actor(user=member.user, agency=member.agency, membership=member)


def va(team, name: str, *, zone: str = "UTC", assigned: bool = True) -> Membership:
    member = MembershipFactory(
        agency=team.agency, role="va", user=UserFactory(name=name, time_zone=zone)
    )
    set_hours(member, zone=zone)
    if assigned:
        AssignmentFactory(client=team.client, membership=member)
    return member


def tag(kind: str, target, *tags: str) -> None:
    model, _column = TAG_MODELS[kind]
    with tenant(target.agency_id):
        for t in tags:
            db.session.add(model(agency_id=target.agency_id, tag=t, **{COLUMNS[kind]: target.id}))
        db.session.flush()


def sop(team, title: str = "Month-end close"):
    version = SopVersionFactory(sop=SopFactory(agency=team.agency, title=title))
    with all_tenants():
        db.session.refresh(version)
        assert version.sop is not None  # loaded now, read later outside any tenant
    return version


def approved_item(team, member, version, *, reworked: bool = False):
    from tests.factories import WorkItemFactory

    item = WorkItemFactory(
        client=team.client,
        sop_version=version,
        assignee_id=member.id,
        state="delivered",
        estimate_minutes=None,
    )
    if reworked:
        make_review(item, "changes_requested", reviewer_id=team.qa.id, ago=dt.timedelta(days=3))
    make_review(item, "approved", reviewer_id=team.qa.id, round=2 if reworked else 1)
    return item
