"""The demo agency's reports have something to show: its VAs' time in the time report, and
delivered work with its time, so the SOP library's actual times and the estimates report
read real figures (some work within its estimate, some quicker, some longer)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from app.agencies.models import Agency
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.demo import DEMO_SLUG, seed_demo_agency
from app.extensions import db
from app.reports.estimates import estimate_report, sop_version_spreads
from app.reports.queries import time_report
from app.users.models import Membership


@pytest.mark.parametrize(
    "today",
    [
        dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC),  # a Monday after New Year
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # Europe leaves summer time
    ],
)
def test_the_demo_reports_read_real_figures(app, today):
    with time_machine.travel(today, tick=False):
        assert seed_demo_agency() is True
        agency = db.session.scalar(sa.select(Agency).where(Agency.slug == DEMO_SLUG))
        with tenant(agency.id):
            owner = db.session.scalar(
                sa.select(Membership).where(Membership.role == "owner").limit(1)
            )
            actor = Actor(user=owner.user, agency=agency, membership=owner)
            report = time_report(
                actor, {"period": "all", "group": "member"}, today=today.date(), now=today
            )
            spreads = sop_version_spreads(actor)
            accuracy = estimate_report(actor, days=90, now=today)
    assert len(report.groups) == 2 and report.totals.seconds > 50 * 3600
    assert len(spreads) >= 3 and all(s.items >= 1 and s.median for s in spreads.values())
    o = accuracy.overall
    assert o.items >= 5 and o.within and o.under and o.over
    assert o.within + o.under + o.over == o.items
