"""The demo agency's timesheets: Priya's week before last approved by the owner (its entries
approved and locked), and her last full week submitted, waiting in Team timesheets; Mateo's
last full week is not submitted (a late timesheet on the dashboard)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.clock import today_in, utcnow
from app.extensions import db
from app.time.models import TimeEntry
from app.timesheets.models import Timesheet
from app.timesheets.queries import week_start_of
from app.users.models import Membership


def seed_demo_timesheets(va: Membership, owner: Membership) -> tuple[Timesheet, Timesheet]:
    """(the approved week, the submitted week) of `va`, decided by `owner`."""
    now = utcnow()
    last_full = week_start_of(today_in(va.user.time_zone, now)) - dt.timedelta(days=7)
    earlier = last_full - dt.timedelta(days=7)
    approved = Timesheet(
        membership_id=va.id,
        week_start=earlier,
        state="approved",
        submitted_at=now - dt.timedelta(days=9),
        submitted_by_id=va.user_id,
        decided_at=now - dt.timedelta(days=8),
        decided_by_id=owner.user_id,
    )
    submitted = Timesheet(
        membership_id=va.id,
        week_start=last_full,
        state="submitted",
        submitted_at=now - dt.timedelta(days=2),
        submitted_by_id=va.user_id,
    )
    db.session.add_all([approved, submitted])
    db.session.flush()
    db.session.execute(
        sa.update(TimeEntry)
        .where(
            TimeEntry.membership_id == va.id,
            TimeEntry.entry_date.between(earlier, earlier + dt.timedelta(days=6)),
        )
        .values(approved_at=approved.decided_at, approved_by_id=owner.user_id)
        .execution_options(synchronize_session=False)
    )
    return approved, submitted
