"""The calendar runs a fixed number of SQL statements whether 2 or 20 work items, stages
and invoices fall in the month: the page, the API and the feed (bulk reads, no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.calendar.support import at
from tests.clients.support import api, make_team, web
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    InvoiceFactory,
    MembershipFactory,
    WorkItemFactory,
)

MAX_STATEMENTS = 20  # the calendar's own kinds, and capacity's: time off, holidays, meetings


def _fill(n: int):
    team = make_team()
    for i in range(n):
        va = MembershipFactory(agency=team.agency, role="va")
        client = ClientFactory(agency=team.agency, name=f"Alder {i:03d}", time_zone="Asia/Tokyo")
        AssignmentFactory(client=client, membership=va)
        WorkItemFactory(
            client=client,
            title=f"Task {i:03d}",
            assignee_id=va.id,
            reviewer_id=team.qa.id,
            due_at=at(2 + i % 25, 9),
        )
        InvoiceFactory(client=client, issue_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 20))
    return team


def _count(count_queries, get, url: str) -> tuple[int, str]:
    get(url)  # warm per-process caches
    with count_queries() as statements:
        resp = get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return len(statements), resp.get_data(as_text=True)


@pytest.mark.usefixtures("frozen")
def test_the_month_page_statements_do_not_grow_with_events(app, count_queries):
    small, large = _fill(2), _fill(20)
    counts = []
    for team, n in ((small, 2), (large, 20)):
        got, html = _count(count_queries, web(app, team.owner).get, f"/{team.slug}/calendar")
        counts.append(got)
        owner = web(app, team.owner)
        # one task a day: every one shows, in the grid and the phone agenda
        html = owner.get(f"/{team.slug}/calendar?kind=work_due").get_data(as_text=True)
        assert html.count(">Task ") == 2 * n
        # every invoice is due on the 20th: a day shows four and counts the rest
        html = owner.get(f"/{team.slug}/calendar?kind=invoice_due").get_data(as_text=True)
        assert html.count('data-kind="invoice_due"') == 2 * min(n, 4)
        assert html.count(f"{n - 4} more") == (2 if n > 4 else 0)
    assert counts[0] == counts[1] <= MAX_STATEMENTS, counts


@pytest.mark.usefixtures("frozen")
def test_the_api_and_the_feed_statements_do_not_grow_with_events(app, count_queries):
    small, large = _fill(2), _fill(20)
    api_counts, feed_counts = [], []
    for team in (small, large):
        client = api(app, team.owner)
        got, _ = _count(count_queries, client.get, "/calendar/events")
        api_counts.append(got)
        url = client.post("/calendar/feed").get_json()["url"]
        path = url[url.index("/calendar/feed/") :]
        http = app.test_client()
        with count_queries() as statements:
            assert http.get(path, headers={}).status_code == 200
        feed_counts.append(len(statements))
    assert api_counts[0] == api_counts[1] <= MAX_STATEMENTS, api_counts
    assert feed_counts[0] == feed_counts[1] <= MAX_STATEMENTS, feed_counts
