"""The event-source registry: a source plugged in later (time off, holidays, meeting
slots) shows on the page, in the API and in the feed, is a valid kind filter, and gets the
viewer and the filters; events are either timed (UTC) or all-day."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from app.calendar.registry import (
    CalendarEvent,
    CalendarFilters,
    collect_events,
    register_source,
    registered_kinds,
    unregister_source,
)
from tests.calendar.support import at
from tests.clients.support import api, web

CALLS: list[tuple] = []


def _holidays(actor, start, end, filters):
    CALLS.append((actor.role, start, end, filters))
    if filters.member_id is not None and filters.member_id != actor.membership.id:
        return []
    yield CalendarEvent(
        kind="plugged",
        uid="holiday-2026-03-17",
        title="St Patrick's Day",
        all_day=dt.date(2026, 3, 17),
        membership_id=actor.membership.id,
    )
    yield CalendarEvent(
        kind="plugged",
        uid="meeting-1-2026-03-18",
        title="Weekly call",
        starts_at=at(18, 14),
        ends_at=at(18, 14, 30),
        client_name="Harbour Bakery",
        client_zone="America/New_York",
    )


@pytest.fixture
def holidays():
    register_source("plugged", _holidays, label="Holidays", color="warning")
    CALLS.clear()
    yield
    unregister_source("plugged")


@pytest.mark.usefixtures("holidays")
def test_a_plugged_source_shows_everywhere_and_filters_by_kind(app, ct):
    assert registered_kinds()[:3] == ["work_due", "stage_due", "invoice_due"]
    html = web(app, ct.va).get(f"/{ct.slug}/calendar?kind=plugged").get_data(as_text=True)
    assert "St Patrick" in html and "Weekly call" in html and "Payroll run" not in html
    assert "(10:00 EDT)" in html  # the client's time beside the meeting
    body = api(app, ct.va).get("/calendar/events?start=2026-03-01&end=2026-03-31&kind=plugged")
    events = body.get_json()["events"]
    assert [(e["title"], e["all_day"]) for e in events] == [
        ("St Patrick's Day", "2026-03-17"),
        ("Weekly call", None),
    ]
    assert CALLS[-1][0] == "va" and CALLS[-1][3] == CalendarFilters(kinds=frozenset({"plugged"}))
    url = api(app, ct.va).post("/calendar/feed").get_json()["url"]
    cal = Calendar.from_ical(app.test_client().get(url[url.index("/calendar/") :]).get_data())
    by_uid = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    call = by_uid[f"meeting-1-2026-03-18.a{ct.agency.id}@baton"]
    assert call.decoded("DTEND") - call.decoded("DTSTART") == dt.timedelta(minutes=30)
    assert by_uid[f"holiday-2026-03-17.a{ct.agency.id}@baton"].decoded("DTSTART") == dt.date(
        2026, 3, 17
    )


def test_an_unregistered_kind_is_refused(app, ct):
    resp = api(app, ct.owner).get("/calendar/events?kind=plugged")
    assert resp.status_code == 422 and "kind" in resp.get_json()["errors"]


def test_events_are_timed_in_utc_or_all_day():
    with pytest.raises(ValueError):
        CalendarEvent(kind="x", uid="x", title="x")
    with pytest.raises(ValueError):
        CalendarEvent(kind="x", uid="x", title="x", starts_at=dt.datetime(2026, 3, 1, 9))
    with pytest.raises(ValueError):
        CalendarEvent(kind="x", uid="x", title="x", all_day=dt.date(2026, 3, 1), starts_at=at(1, 9))
    with pytest.raises(ValueError):
        collect_events(None, dt.datetime(2026, 3, 1), at(2, 0), CalendarFilters())
