"""The pages: My time (the week by day, per-day and week totals in the person's zone, the
client's local time beside the times), the entry form, the Time pages of a client and of a
work item, and the activities owners and managers keep."""

from __future__ import annotations

import re

from tests.clients.support import api, web
from tests.time.support import entries_of


def _entry(app, tt, **kw) -> dict:
    body = {"client_id": tt.client_id, "date": "2026-03-10", "start": "09:00", "end": "10:30"}
    resp = api(app, tt.va).post("/time-entries", json={**body, **kw})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_my_time_shows_the_week_by_day_with_totals(app, tt):
    _entry(app, tt)
    _entry(app, tt, start="11:00", end="11:45", client_id=tt.other_client_id)
    _entry(app, tt, date="2026-03-09", start=None, end=None, duration="2:00")
    _entry(app, tt, date="2026-03-02", start=None, end=None, duration="1:00")  # last week
    page = web(app, tt.va).get(f"/{tt.slug}/time").get_data(as_text=True)
    assert re.search(r'data-testid="week-total">4 h 15 min<', page)
    assert re.search(r'data-testid="day-total-2026-03-10">2 h 15 min<', page)
    assert re.search(r'data-testid="day-total-2026-03-09">2 h<', page)
    assert page.count('data-testid="time-entry"') == 3
    # Harbour Bakery is in New York (UTC-4 after 8 March), Cedar Dental in Paris (UTC+1).
    assert "Client: 05:00–06:30 EDT" in page and "Client: 12:00–12:45 CET" in page
    last_week = web(app, tt.va).get(f"/{tt.slug}/time?week=2026-03-02").get_data(as_text=True)
    assert re.search(r'data-testid="week-total">1 h<', last_week)


def test_add_edit_and_delete_through_the_pages(app, tt):
    browser = web(app, tt.va)
    form = browser.get(f"/{tt.slug}/time/new?client_id={tt.client_id}").get_data(as_text=True)
    assert f'<option value="{tt.client_id}" selected>' in form and "Weekly bookkeeping" in form
    resp = browser.post(
        f"/{tt.slug}/time/new",
        data={
            "client_id": tt.client_id,
            "work_item_id": tt.work_item_id,
            "activity_id": tt.activity_id,
            "date": "2026-03-11",
            "duration": "0:45",
            "billable": "on",
            "notes": "Reconciled March",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (entry,) = entries_of(tt.va.id)
    assert entry.duration_seconds == 45 * 60 and entry.billable and entry.activity_id
    edit = browser.get(f"/{tt.slug}/time/{entry.id}/edit").get_data(as_text=True)
    assert 'value="0:45"' in edit and "Reconciled March" in edit
    bad = browser.post(
        f"/{tt.slug}/time/{entry.id}/edit",
        data={"client_id": tt.client_id, "date": "2026-03-11", "start": "10:00", "end": "09:00"},
    )
    assert bad.status_code == 422
    assert "The end is before the start" in bad.get_data(as_text=True)
    assert entries_of(tt.va.id)[0].duration_seconds == 45 * 60  # nothing changed
    ok = browser.post(
        f"/{tt.slug}/time/{entry.id}/edit",
        data={"client_id": tt.client_id, "date": "2026-03-11", "start": "08:00", "end": "09:00"},
    )
    assert ok.status_code == 302
    (entry,) = entries_of(tt.va.id)
    assert entry.duration_seconds == 3600 and entry.work_item_id is None and not entry.billable
    assert browser.post(f"/{tt.slug}/time/{entry.id}/delete").status_code == 302
    assert entries_of(tt.va.id) == []


def test_the_time_pages_of_a_client_and_a_work_item_list_their_entries(app, tt):
    _entry(app, tt, work_item_id=tt.work_item_id)
    _entry(app, tt, start="11:00", end="11:30", billable=False)
    _entry(app, tt, start="12:00", end="13:00", client_id=tt.other_client_id)
    browser = web(app, tt.owner)
    client_page = browser.get(f"/{tt.slug}/clients/{tt.client_id}/time").get_data(as_text=True)
    assert client_page.count('data-testid="time-entry"') == 2
    assert re.search(r'data-testid="time-total">2 h<', client_page)
    assert re.search(r'data-testid="time-billable">1 h 30 min<', client_page)
    item_page = browser.get(f"/{tt.slug}/work/{tt.work_item_id}/time").get_data(as_text=True)
    assert item_page.count('data-testid="time-entry"') == 1
    work_page = browser.get(f"/{tt.slug}/work/{tt.work_item_id}").get_data(as_text=True)
    assert 'data-testid="time-here"' in work_page


def test_owners_and_managers_keep_the_activities(app, tt):
    browser = web(app, tt.manager)
    assert (
        browser.post(f"/{tt.slug}/time/activities", data={"name": "Bookkeeping"}).status_code == 302
    )
    dup = browser.post(f"/{tt.slug}/time/activities", data={"name": "bookkeeping"})
    assert dup.status_code == 422 and "already an activity" in dup.get_data(as_text=True)
    assert browser.post(f"/{tt.slug}/time/activities/{tt.activity_id}").status_code == 302
    resp = api(app, tt.va).post(
        "/time-entries",
        json={
            "client_id": tt.client_id,
            "date": "2026-03-10",
            "duration": "1",
            "activity_id": tt.activity_id,
        },
    )
    assert resp.status_code == 422 and "no longer in use" in resp.json["errors"]["activity_id"][0]
    assert web(app, tt.va).get(f"/{tt.slug}/time/activities").status_code == 403
