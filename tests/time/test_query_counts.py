"""My time, the Time pages of a client and of a work item, and the entry form run a fixed
number of SQL statements however many entries, clients, work items and activities there
are (no N+1 through the templates: an entry shows its client, work item and activity)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.tenancy import tenant
from app.extensions import db
from app.time.models import Activity, TimeEntry
from tests.clients.support import web
from tests.factories import AssignmentFactory, ClientFactory, WorkItemFactory
from tests.time.support import NOW, TODAY, make_time_team

MAX_STATEMENTS = 14


def _fill(tt, entries: int) -> None:
    """`entries` finished entries over this week, each for a different client, work item and
    activity of the VA's."""
    with tenant(tt.agency.id):
        _add(tt, entries)


def _add(tt, entries: int) -> None:
    for i in range(entries):
        client = ClientFactory(agency=tt.agency, name=f"Linden {i:03d}")
        AssignmentFactory(client=client, membership=tt.va)
        item = WorkItemFactory(client=client, title=f"Report {i}")
        activity = Activity(agency_id=tt.agency.id, name=f"Activity {i}")
        db.session.add(activity)
        db.session.flush()
        start = NOW - dt.timedelta(days=i % 3, hours=2 + i % 5)
        db.session.add(
            TimeEntry(
                agency_id=tt.agency.id,
                membership_id=tt.va.id,
                client_id=client.id if i % 2 else tt.client_id,
                work_item_id=item.id if i % 2 else tt.work_item_id,
                activity_id=activity.id,
                entry_date=start.date(),
                started_at=start,
                ended_at=start + dt.timedelta(minutes=20),
                duration_seconds=1200,
                zone="UTC",
            )
        )
    db.session.flush()


def _counts(app, count_queries, tt) -> dict[str, int]:
    urls = {
        "my time (VA)": (tt.va, f"/{tt.slug}/time?week={TODAY.isoformat()}"),
        "my time, the VA's week (owner)": (
            tt.owner,
            f"/{tt.slug}/time?week={TODAY.isoformat()}&member={tt.va.id}",
        ),
        "client time": (tt.owner, f"/{tt.slug}/clients/{tt.client_id}/time"),
        "work item time": (tt.owner, f"/{tt.slug}/work/{tt.work_item_id}/time"),
        "new entry form": (tt.va, f"/{tt.slug}/time/new"),
        "timer start page": (tt.va, f"/{tt.slug}/time/timer/start"),
    }
    counts = {}
    for label, (who, url) in urls.items():
        browser = web(app, who)
        browser.get(url)  # warm per-process caches
        with count_queries() as statements:
            resp = browser.get(url)
        assert resp.status_code == 200, (label, resp.status_code)
        counts[label] = len(statements)
    return counts


@pytest.mark.usefixtures("frozen")
def test_statement_counts_do_not_grow_with_entries(app, count_queries):
    small, large = make_time_team(), make_time_team()
    _fill(small, 2)
    _fill(large, 30)
    small_counts = _counts(app, count_queries, small)
    large_counts = _counts(app, count_queries, large)
    assert small_counts == large_counts
    for label, n in large_counts.items():
        assert n <= MAX_STATEMENTS, f"{label}: {n} statements"


@pytest.mark.usefixtures("frozen")
def test_the_pages_measured_show_the_entries(app):
    """Guard against measuring empty pages."""
    tt = make_time_team()
    _fill(tt, 6)
    html = web(app, tt.owner).get(f"/{tt.slug}/clients/{tt.client_id}/time").get_data(as_text=True)
    assert html.count("Activity ") >= 3
