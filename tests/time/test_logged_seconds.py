"""Each work item carries the time logged on it (app.time.logged): entries added, edited,
moved to another item, stopped and deleted keep it equal to the sum of its entries, and
the recount (migration, bulk loads) agrees."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.time.logged import RECOUNT_SQL
from app.time.models import TimeEntry
from app.work.models import WorkItem
from tests.time.support import make_time_team


def _logged(*item_ids: int) -> list[int]:
    with all_tenants():
        rows = dict(
            db.session.execute(
                sa.select(WorkItem.id, WorkItem.logged_seconds).where(WorkItem.id.in_(item_ids))
            ).all()
        )
    return [rows[i] for i in item_ids]


def _summed(*item_ids: int) -> list[int]:
    with all_tenants():
        rows = dict(
            db.session.execute(
                sa.select(
                    TimeEntry.work_item_id,
                    sa.func.coalesce(sa.func.sum(TimeEntry.duration_seconds), 0),
                )
                .where(TimeEntry.work_item_id.in_(item_ids))
                .group_by(TimeEntry.work_item_id)
            ).all()
        )
    return [int(rows.get(i, 0)) for i in item_ids]


def _entry(tt, item_id, seconds):
    return TimeEntry(
        membership_id=tt.va.id,
        client_id=tt.client_id,
        work_item_id=item_id,
        entry_date=dt.date(2026, 3, 2),
        duration_seconds=seconds,
        billable=True,
        zone="UTC",
    )


def test_the_item_total_follows_every_write_of_its_entries(app):
    tt = make_time_team()
    a, b = tt.work_item_id, tt.other_work_item_id
    with tenant(tt.agency.id):
        first, second = _entry(tt, a, 1800), _entry(tt, a, 900)
        running = _entry(tt, a, None)  # a timer still running has no duration yet
        db.session.add_all([first, second, running])
        db.session.flush()
        assert _logged(a, b) == [2700, 0]
        first.duration_seconds = 3600  # edited
        db.session.flush()
        assert _logged(a, b) == [4500, 0]
        second.work_item_id = b  # moved to another item
        db.session.flush()
        assert _logged(a, b) == [3600, 900]
        second.work_item_id, second.duration_seconds = None, 60  # off any item
        db.session.flush()
        assert _logged(a, b) == [3600, 0]
        running.duration_seconds = 600  # stopped
        db.session.flush()
        assert _logged(a, b) == [4200, 0]
        db.session.delete(first)
        db.session.flush()
        assert _logged(a, b) == [600, 0] == _summed(a, b)


def test_the_recount_agrees_with_what_the_writes_kept(app):
    tt = make_time_team()
    a, b = tt.work_item_id, tt.other_work_item_id
    with tenant(tt.agency.id):
        db.session.add_all([_entry(tt, a, 1200), _entry(tt, b, 300), _entry(tt, b, 45)])
        db.session.flush()
        kept = _logged(a, b)
        db.session.execute(sa.text(RECOUNT_SQL))
        db.session.expire_all()
    assert kept == _logged(a, b) == _summed(a, b) == [1200, 345]
