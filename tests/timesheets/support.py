"""Helpers of the timesheet tests: time entries written directly, and fresh rows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.time.models import TimeEntry
from app.timesheets.models import Timesheet

# The time tests' NOW is Wednesday 11 March 2026: this week starts Monday 9 March.
THIS_MONDAY = dt.date(2026, 3, 9)
LAST_MONDAY = dt.date(2026, 3, 2)


def add_entry(tt, day: dt.date, minutes: int = 60, *, member=None, client_id=None, **kw):
    member = member or tt.va
    with tenant(tt.agency.id):
        entry = TimeEntry(
            agency_id=tt.agency.id,
            membership_id=member.id,
            client_id=client_id or tt.client_id,
            entry_date=day,
            duration_seconds=minutes * 60,
            zone="UTC",
            **kw,
        )
        db.session.add(entry)
        db.session.flush()
        return entry.id


def entry(entry_id: int) -> TimeEntry:
    with all_tenants():
        return db.session.scalar(
            sa.select(TimeEntry)
            .where(TimeEntry.id == entry_id)
            .execution_options(populate_existing=True)
        )


def sheet(sheet_id: int) -> Timesheet:
    with all_tenants():
        return db.session.scalar(
            sa.select(Timesheet)
            .where(Timesheet.id == sheet_id)
            .execution_options(populate_existing=True)
        )
