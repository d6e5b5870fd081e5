"""Capacity on the master calendar: approved time off a day at a time, public holidays of
the people's countries (and of the client's when narrowed to a client), and the recurring
client meetings with the client's local time; each person sees their own, owners everyone's,
and the feed carries them."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from app.capacity.models import MeetingSlot
from app.core.tenancy import tenant
from app.extensions import db
from tests.capacity.support import add_time_off, set_hours
from tests.clients.support import api, web


def _events(app, who, query: str) -> list[dict]:
    body = api(app, who).get(f"/calendar/events?start=2026-03-01&end=2026-03-31&{query}")
    assert body.status_code == 200, body.get_json()
    return body.get_json()["events"]


def _slot(ct) -> None:
    with tenant(ct.agency.id):
        db.session.add(
            MeetingSlot(
                client_id=ct.client.id,  # in New York
                membership_id=ct.va.id,
                weekday=2,  # Wednesday
                start_minute=10 * 60,
                duration_minutes=30,
                active=True,
            )
        )
        db.session.flush()


def test_time_off_holidays_and_meetings_are_on_the_calendar(app, ct):
    set_hours(ct.va, country="IE")
    set_hours(ct.other_va, country="IE")
    add_time_off(ct.va, dt.date(2026, 3, 23), dt.date(2026, 3, 24))
    add_time_off(ct.other_va, dt.date(2026, 3, 25), state="pending")  # not approved
    _slot(ct)

    owner = _events(app, ct.owner, "")
    titles = [(e["kind"], e["all_day"], e["title"]) for e in owner]
    name = ct.va.user.name
    assert ("time_off", "2026-03-23", f"{name}: Vacation") in titles
    assert ("time_off", "2026-03-24", f"{name}: Vacation") in titles
    assert not any(e["kind"] == "time_off" and e["all_day"] == "2026-03-25" for e in owner)
    # St Patrick's Day once for the two people in Ireland
    holidays = [e for e in owner if e["kind"] == "holiday"]
    assert len(holidays) == 1, [(e["kind"], e["all_day"], e["title"]) for e in owner]
    (patrick,) = holidays
    assert patrick["all_day"] == "2026-03-17" and "IE holiday" in patrick["title"]
    # Wednesdays 10:00 in New York: 14:00 UTC before the clocks change there (8 March)...
    meetings = [e for e in owner if e["kind"] == "meeting"]
    assert [m["starts_at"][:16] for m in meetings][:2] == ["2026-03-04T15:00", "2026-03-11T14:00"]
    assert len(meetings) == 4


def test_a_va_sees_their_own_and_a_client_filter_shows_the_clients_holidays(app, ct):
    set_hours(ct.va, country="IE")
    add_time_off(ct.other_va, dt.date(2026, 3, 23))
    _slot(ct)
    mine = _events(app, ct.va, "")
    assert not any(e["kind"] == "time_off" for e in mine)  # the other VA's
    assert {e["title"] for e in mine if e["kind"] == "holiday"} == {
        f"{ct.va.user.name}: Saint Patrick's Day"
    }
    assert sum(e["kind"] == "meeting" for e in mine) == 4
    assert not _events(app, ct.other_va, "kind=meeting")
    with tenant(ct.agency.id):
        ct.client.country = "US"
        db.session.flush()
    client_days = _events(app, ct.owner, f"kind=holiday&client={ct.client.id}")
    assert [e["all_day"] for e in client_days] == []  # no US federal holiday in March
    client_days = (
        api(app, ct.owner)
        .get(f"/calendar/events?start=2026-05-01&end=2026-06-01&kind=holiday&client={ct.client.id}")
        .get_json()["events"]
    )
    assert [(e["all_day"], e["title"]) for e in client_days] == [
        ("2026-05-25", "Client's holiday: Memorial Day")
    ]


def test_the_feed_carries_time_off_and_meetings(app, ct):
    add_time_off(ct.va, dt.date(2026, 3, 23))
    _slot(ct)
    name, client = ct.va.user.name, ct.client.name
    url = api(app, ct.va).post("/calendar/feed").get_json()["url"]
    cal = Calendar.from_ical(app.test_client().get(url[url.index("/calendar/") :]).get_data())
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert f"{name}: Vacation" in summaries
    assert summaries.count(f"Meeting with {client}") >= 4


def test_the_calendar_page_shows_them(app, ct):
    add_time_off(ct.va, dt.date(2026, 3, 12))
    name = ct.va.user.name
    html = web(app, ct.owner).get(f"/{ct.slug}/calendar?view=month&date=2026-03-11")
    assert f"{name}: Vacation" in html.get_data(as_text=True)
