"""The month and week views: the viewer's zone (across a daylight-saving change), the
client's time beside each timed event, today highlighted, overdue marked, navigation,
the phone's agenda, and bad query values shown back naming the field."""

from __future__ import annotations

import re

import pytest

from app.core.tenancy import tenant
from app.extensions import db
from tests.calendar.support import at
from tests.clients.support import api, web
from tests.factories import WorkItemFactory


def _cell(html: str, day: str) -> str:
    """The grid cell of one day (its HTML up to the cell's end)."""
    start = html.index(f'data-date="{day}"')
    return html[start : html.index("</td>", start)]


def test_month_view_marks_today_overdue_and_client_time(app, ct):
    resp = web(app, ct.owner).get(f"/{ct.slug}/calendar")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    today = _cell(html, "2026-03-11")
    assert 'data-testid="cal-today-cell"' in today
    late = _cell(html, "2026-03-09")
    assert "Late bookkeeping" in late and 'data-overdue="1"' in late
    payroll = _cell(html, "2026-03-12")
    # due 14:00 UTC (the viewer's zone), 10:00 in New York (the client's, summer time)
    assert "14:00" in payroll and "(10:00 EDT)" in payroll
    assert 'data-overdue="1"' not in payroll
    # the month's grid starts on the Monday before the 1st and has a phone agenda
    assert 'data-date="2026-02-23"' in html and 'data-testid="calendar-agenda"' in html
    assert "date=2026-02-01" in html and "date=2026-04-01" in html


def test_week_view_shows_only_that_week(app, ct):
    html = (
        web(app, ct.owner)
        .get(f"/{ct.slug}/calendar?view=week&date=2026-03-11")
        .get_data(as_text=True)
    )
    assert "Payroll run" in html and "Late bookkeeping" in html
    assert ">Quarterly review</a>" not in html  # due Monday 16th (its stages are this week)
    assert ">Prepare: Quarterly review</a>" in html
    assert html.count("data-date=") == 7
    assert "date=2026-03-02" in html and "date=2026-03-16" in html


def test_the_phone_agenda_lists_the_days_with_events(app, ct):
    html = web(app, ct.va).get(f"/{ct.slug}/calendar").get_data(as_text=True)
    agenda = html[html.index('data-testid="calendar-agenda"') : html.index('id="feed"')]
    assert "Payroll run" in agenda and "Late bookkeeping" in agenda


def test_a_viewer_in_new_york_across_the_spring_forward_night(app, ct):
    """New York moves to summer time on Sunday 8 March 2026 at 02:00: the same 15:00 UTC
    reads 10:00 before and 11:00 after, and 03:30 UTC on the 9th is still the 8th there."""
    ct.owner.user.time_zone = "America/New_York"
    with tenant(ct.agency.id):
        WorkItemFactory(client=ct.other_client, title="Before the change", due_at=at(7, 15))
        WorkItemFactory(client=ct.other_client, title="After the change", due_at=at(9, 15))
        WorkItemFactory(client=ct.other_client, title="Late on Sunday", due_at=at(9, 3, 30))
        db.session.flush()
    html = web(app, ct.owner).get(f"/{ct.slug}/calendar?date=2026-03-08").get_data(as_text=True)
    before = _cell(html, "2026-03-07")
    assert re.search(r"10:00</span>\s*<a[^>]*>Before the change", before)
    after = _cell(html, "2026-03-09")
    assert re.search(r"11:00</span>\s*<a[^>]*>After the change", after)
    sunday = _cell(html, "2026-03-08")
    assert re.search(r"23:30</span>\s*<a[^>]*>Late on Sunday", sunday)
    # Paris is still on winter time: the client's time beside it
    assert "(16:00 CET)" in before
    # the API's day of 8 March in New York is 23 hours long
    body = api(app, ct.owner).get("/calendar/events?start=2026-03-08&end=2026-03-08").get_json()
    assert body["start"] == "2026-03-08T05:00:00+00:00"
    assert body["end"] == "2026-03-09T04:00:00+00:00"
    assert [e["title"] for e in body["events"] if e["kind"] == "work_due"] == ["Late on Sunday"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("view=year", "view"),
        ("date=2026-13-01", "date"),
        ("date=0001-01-01", "date"),
        ("kind=birthdays", "kind"),
        ("client=abc", "client"),
        ("member=0", "member"),
        ("client=999999", "client"),
        ("colour=red", "colour"),
    ],
)
def test_bad_query_values_show_the_page_again_naming_the_field(app, ct, query, field):
    resp = web(app, ct.owner).get(f"/{ct.slug}/calendar?{query}")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'data-testid="form-errors"' in html
    assert f'data-error-link="{field}"' in html or f'data-error-unknown="{field}"' in html
    assert 'data-testid="calendar-grid"' in html  # the page is still there


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-03-10&end=2026-03-01", "end"),
        ("start=2026-01-01&end=2026-03-31", "end"),
        ("start=2026-02-30", "start"),
        ("start=9999-01-01", "start"),
        ("kind=birthdays", "kind"),
        ("member=abc", "member"),
        ("client=2147483648", "client"),
        ("end=2025-01-01", "end"),
    ],
)
def test_the_api_refuses_bad_ranges_and_filters_naming_the_field(app, ct, query, field):
    resp = api(app, ct.owner).get(f"/calendar/events?{query}")
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert field in resp.get_json()["errors"]


def test_the_api_range_defaults_to_today_and_30_days_on(app, ct):
    body = api(app, ct.owner).get("/calendar/events").get_json()
    assert body["start"] == "2026-03-11T00:00:00+00:00"
    assert body["end"] == "2026-04-11T00:00:00+00:00"
    assert "Late bookkeeping" not in {e["title"] for e in body["events"]}  # due the 9th
