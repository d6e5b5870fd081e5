"""Team timesheets runs a fixed number of SQL statements whether 2 or 20 people's weeks wait
in the queue (totals per person and client in one statement, no N+1 through the page)."""

from __future__ import annotations

import pytest

from app.core.tenancy import tenant
from app.extensions import db
from app.timesheets.models import Timesheet
from tests.clients.support import web
from tests.factories import ClientFactory, MembershipFactory
from tests.time.support import make_time_team
from tests.timesheets.support import LAST_MONDAY, add_entry

MAX_STATEMENTS = 14


def _fill(tt, people: int) -> None:
    for i in range(people):
        va = MembershipFactory(agency=tt.agency, role="va")
        client = ClientFactory(agency=tt.agency, name=f"Alder {i:03d}")
        add_entry(tt, LAST_MONDAY, 60, member=va, client_id=client.id)
        add_entry(tt, LAST_MONDAY, 30, member=va, client_id=tt.client_id, billable=False)
        with tenant(tt.agency.id):
            db.session.add(
                Timesheet(membership_id=va.id, week_start=LAST_MONDAY, state="submitted")
            )
            db.session.flush()


def _count(app, count_queries, tt) -> tuple[int, str]:
    browser = web(app, tt.owner)
    url = f"/{tt.slug}/timesheets"
    browser.get(url)  # warm per-process caches
    with count_queries() as statements:
        resp = browser.get(url)
    assert resp.status_code == 200
    return len(statements), resp.get_data(as_text=True)


@pytest.mark.usefixtures("frozen")
def test_team_timesheets_statements_do_not_grow_with_people(app, count_queries):
    small, large = make_time_team(), make_time_team()
    _fill(small, 2)
    _fill(large, 20)
    small_n, small_html = _count(app, count_queries, small)
    large_n, large_html = _count(app, count_queries, large)
    assert small_html.count('data-testid="timesheet-row"') == 2
    assert large_html.count('data-testid="timesheet-row"') == 20
    assert "Alder 019" in large_html
    assert 'data-testid="totals-per-client"' in large_html
    assert small_n == large_n <= MAX_STATEMENTS, (small_n, large_n)
