"""The pages: My time's week box (state, Submit week, the reason of a rejected week), the
Team timesheets queue (totals per person and client, approve, reject with a reason that
re-renders with the field's error), the settings (the first day of the week) and the
dashboard's late weeks."""

from __future__ import annotations

import datetime as dt

from app.core.tenancy import tenant
from app.timesheets.queries import timesheet_settings
from tests.clients.support import web
from tests.timesheets.support import LAST_MONDAY, add_entry, sheet


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_my_time_submit_and_team_approve(app, tt):
    add_entry(tt, LAST_MONDAY, 90)
    add_entry(tt, LAST_MONDAY + dt.timedelta(days=1), 30, client_id=tt.other_client_id)
    add_entry(tt, LAST_MONDAY, 60, billable=False)
    browser = web(app, tt.va)
    page = browser.get(f"/{tt.slug}/time?week=2026-03-04").get_data(as_text=True)
    assert 'data-testid="timesheet-state" data-state="open"' in page
    assert 'data-testid="submit-week"' in page
    resp = browser.post(
        f"/{tt.slug}/timesheets/submit",
        data={"csrf_token": _csrf(page), "week": "2026-03-02"},
    )
    assert resp.status_code == 302
    page = browser.get(f"/{tt.slug}/time?week=2026-03-04").get_data(as_text=True)
    assert 'data-state="submitted"' in page and 'data-testid="submit-week"' not in page

    owner = web(app, tt.owner)
    queue = owner.get(f"/{tt.slug}/timesheets").get_data(as_text=True)
    assert queue.count('data-testid="timesheet-row"') == 1
    assert "Harbour Bakery" in queue and "Cedar Dental" in queue
    assert 'data-testid="timesheet-total">3 h' in queue
    assert 'data-testid="timesheet-billable">2 h' in queue
    sheet_id = int(queue.split('data-timesheet-id="')[1].split('"')[0])

    bad = owner.post(
        f"/{tt.slug}/timesheets/{sheet_id}/reject",
        data={"csrf_token": _csrf(queue), "reason": ""},
    )
    assert bad.status_code == 422 and 'data-field-error="reason"' in bad.get_data(as_text=True)
    ok = owner.post(
        f"/{tt.slug}/timesheets/{sheet_id}/reject",
        data={"csrf_token": _csrf(queue), "reason": "Monday twice?"},
    )
    assert ok.status_code == 302 and sheet(sheet_id).state == "rejected"
    page = browser.get(f"/{tt.slug}/time?week=2026-03-04").get_data(as_text=True)
    assert "Monday twice?" in page and 'data-testid="submit-week"' in page
    browser.post(
        f"/{tt.slug}/timesheets/submit", data={"csrf_token": _csrf(page), "week": "2026-03-02"}
    )
    queue = owner.get(f"/{tt.slug}/timesheets").get_data(as_text=True)
    assert 'data-testid="approve"' in queue
    done = owner.post(
        f"/{tt.slug}/timesheets/{sheet_id}/approve", data={"csrf_token": _csrf(queue)}
    )
    assert done.status_code == 302 and sheet(sheet_id).state == "approved"
    approved = owner.get(f"/{tt.slug}/timesheets?state=approved").get_data(as_text=True)
    assert 'data-testid="reopen"' in approved
    assert web(app, tt.va).get(f"/{tt.slug}/timesheets").status_code == 403


def test_week_start_setting(app, tt):
    owner = web(app, tt.owner)
    form = owner.get(f"/{tt.slug}/timesheets/settings").get_data(as_text=True)
    bad = owner.post(
        f"/{tt.slug}/timesheets/settings",
        data={"csrf_token": _csrf(form), "week_start": "friday"},
    )
    assert bad.status_code == 422
    assert 'data-field-error="week_start"' in bad.get_data(as_text=True)
    saved = owner.post(
        f"/{tt.slug}/timesheets/settings",
        data={"csrf_token": _csrf(form), "week_start": "sunday"},
    )
    assert saved.status_code == 302
    with tenant(tt.agency.id):
        assert timesheet_settings().week_start == "sunday"
    # Wednesday 4 March is in the week of Sunday 1 March, to Saturday 7 March.
    add_entry(tt, dt.date(2026, 3, 1))
    page = web(app, tt.va).get(f"/{tt.slug}/time?week=2026-03-04").get_data(as_text=True)
    assert 'data-testid="day-2026-03-01"' in page and 'data-testid="day-2026-03-08"' not in page
    from tests.clients.support import api

    made = api(app, tt.va).post("/timesheets/submit", json={"week": "2026-03-04"})
    assert made.status_code == 201 and made.json["week_start"] == "2026-03-01"
    assert made.json["week_end"] == "2026-03-07"


def test_dashboard_lists_late_weeks(app, tt):
    add_entry(tt, LAST_MONDAY)
    html = web(app, tt.owner).get(f"/{tt.slug}/").get_data(as_text=True)
    assert 'data-testid="late-timesheets"' in html
    assert html.count('data-testid="late-timesheet"') == 1
    assert tt.va.user.name in html.split('data-testid="late-timesheets"')[1]
    va_home = web(app, tt.va).get(f"/{tt.slug}/").get_data(as_text=True)
    assert 'data-testid="late-timesheets"' not in va_home
