"""The month and week views show the first few events of a day and count the rest; the
capped sources (SQL on PostgreSQL) keep exactly the events the full list would, first in
time order, with the same totals."""

from __future__ import annotations

import datetime as dt

import pytest

from app.calendar.registry import (
    CalendarFilters,
    DayCap,
    cap_events,
    collect_day_page,
    collect_events,
)
from app.core.permissions import Actor
from app.core.tenancy import tenant
from tests.calendar.support import at
from tests.clients.support import make_team, web
from tests.factories import WorkItemFactory


def _busy_team():
    team = make_team()
    team.client.time_zone = "Europe/Paris"
    for hour in range(9):  # nine items due on the 18th, two on the 19th
        WorkItemFactory(client=team.client, title=f"Task {hour}", due_at=at(18, 8 + hour))
    for hour in (10, 11):
        WorkItemFactory(client=team.client, title=f"Late {hour}", due_at=at(19, hour))
    return team


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_the_capped_sources_keep_what_the_full_list_keeps(app, zone):
    team = _busy_team()
    start, end = at(1, 0), at(1, 0, month=5)
    with tenant(team.agency.id), app.test_request_context():
        actor = Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
        for kinds in ({"work_due"}, {"stage_due"}, set()):
            filters = CalendarFilters(kinds=frozenset(kinds))
            cap = DayCap(zone, 4)
            page = collect_day_page(actor, start, end, filters, cap)
            full = cap_events(collect_events(actor, start, end, filters), cap)
            # first in time order (events due at the same moment may come in any order)
            assert [e.starts_at for e in page.events] == [e.starts_at for e in full.events]
            assert page.totals == full.totals, kinds
            assert page.total == len(collect_events(actor, start, end, filters))
            assert page.total > len(page.events)


@pytest.mark.usefixtures("frozen")
def test_the_month_shows_four_a_day_and_links_the_rest_to_the_week(app):
    team = _busy_team()
    html = (
        web(app, team.owner)
        .get(f"/{team.slug}/calendar?kind=work_due&date=2026-03-01")
        .get_data(as_text=True)
    )
    shown = [f">Task {h}<" for h in range(9) if f">Task {h}<" in html]
    assert shown == [">Task 0<", ">Task 1<", ">Task 2<", ">Task 3<"]
    assert html.count("5 more") == 2  # the grid and the phone agenda
    assert "view=week&amp;date=2026-03-18" in html or "date=2026-03-18&amp;view=week" in html
    assert html.count(">Late 1") == 4  # the 19th has only two: both show, no count
    week = (
        web(app, team.owner)
        .get(f"/{team.slug}/calendar?kind=work_due&view=week&date=2026-03-18")
        .get_data(as_text=True)
    )
    assert all(f">Task {h}<" in week for h in range(9))
    assert "more" not in week.split('data-testid="calendar-grid"')[1].split("</table>")[0]


@pytest.mark.usefixtures("frozen")
def test_the_page_total_is_every_event_not_only_those_shown(app):
    team = _busy_team()
    with tenant(team.agency.id), app.test_request_context():
        actor = Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
        page = collect_day_page(
            actor,
            at(1, 0),
            at(1, 0, month=4),
            CalendarFilters(kinds=frozenset({"work_due"})),
            DayCap("UTC", 4),
        )
    assert page.total == 11
    assert page.hidden("UTC") == {dt.date(2026, 3, 18): 5}
