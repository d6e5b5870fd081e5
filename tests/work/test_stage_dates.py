"""SOP stage due dates: business days in the client's zone, ending 17:00 local, driving the
work item's own due time, the stage headings on the item page and the API's `stages`.

Expected moments are written out by hand in UTC (not computed with the code under test);
the property tests check the rules against a day-by-day count.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.tenancy import all_tenants
from app.extensions import db
from app.work.stage_dates import (
    add_business_days,
    last_stage_due_at,
    stage_due_at,
    stage_due_dates,
    stage_schedule,
)
from tests.work.support import Flow, api, checks, fetch_item, web

NEW_YORK = "America/New_York"
ZONES = [
    NEW_YORK, "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland",
    "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "UTC",
]  # fmt: skip
STAGES = [
    {"key": "prepare", "title": "Prepare", "due_offset_days": 1},
    {"key": "send", "title": "Send", "due_offset_days": 2},
]


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# --- the pure computation --------------------------------------------------------------------

CASES = [
    # zone, start (UTC), business days, expected due (UTC), what happens
    (NEW_YORK, "2026-11-27T15:00", 1, "2026-11-30T22:00", "Fri 10:00 EST + 1 = Mon 17:00"),
    (NEW_YORK, "2026-11-27T15:00", 0, "2026-11-27T22:00", "Fri + 0 = the same Fri"),
    (NEW_YORK, "2026-11-27T15:00", 5, "2026-12-04T22:00", "Fri + 5 = next Fri"),
    (NEW_YORK, "2026-11-28T15:00", 0, "2026-11-30T22:00", "Sat + 0 = Mon 17:00"),
    (NEW_YORK, "2026-11-29T15:00", 1, "2026-12-01T22:00", "Sun + 1 = Tue"),
    # 03:00 UTC on Saturday is still Friday evening in New York: the local date counts.
    (NEW_YORK, "2026-11-28T03:00", 0, "2026-11-27T22:00", "Fri 22:00 local + 0 = Fri"),
    # New York springs forward on Sun 8 March 2026 (EST -5 -> EDT -4) ...
    (NEW_YORK, "2026-03-06T17:00", 0, "2026-03-06T22:00", "Fri before: EST"),
    (NEW_YORK, "2026-03-06T17:00", 1, "2026-03-09T21:00", "Mon after: EDT"),
    # ... and falls back on Sun 1 November 2026.
    (NEW_YORK, "2026-10-30T14:00", 0, "2026-10-30T21:00", "Fri before: EDT"),
    (NEW_YORK, "2026-10-30T14:00", 1, "2026-11-02T22:00", "Mon after: EST"),
    # Berlin: Sun 29 March 2026 (CET +1 -> CEST +2), Sun 25 October 2026 back.
    ("Europe/Berlin", "2026-03-26T08:00", 1, "2026-03-27T16:00", "Fri before: CET"),
    ("Europe/Berlin", "2026-03-26T08:00", 2, "2026-03-30T15:00", "Mon after: CEST"),
    ("Europe/Berlin", "2026-10-23T07:00", 0, "2026-10-23T15:00", "Fri before: CEST"),
    ("Europe/Berlin", "2026-10-23T07:00", 1, "2026-10-26T16:00", "Mon after: CET"),
    # Tokyo is already on Saturday when UTC is on Friday afternoon.
    ("Asia/Tokyo", "2026-11-27T16:00", 0, "2026-11-30T08:00", "Sat in Tokyo + 0 = Mon"),
]


@pytest.mark.no_db
@pytest.mark.parametrize(("zone", "start", "days", "expected", "why"), CASES)
def test_stage_due_at_written_out_by_hand(zone, start, days, expected, why):
    assert stage_due_at(utc(start), zone, days) == utc(expected), why


@pytest.mark.no_db
def test_a_naive_start_or_negative_offset_is_refused():
    with pytest.raises(ValueError):
        stage_due_at(dt.datetime(2026, 11, 27, 9, 0), NEW_YORK, 1)
    with pytest.raises(ValueError):
        add_business_days(dt.date(2026, 11, 27), -1)


@pytest.mark.no_db
def test_every_stage_gets_its_due_moment_and_the_last_one_is_the_work_s():
    start = utc("2026-11-27T15:00")  # Friday, 10:00 in New York
    dues = stage_due_dates(start, NEW_YORK, STAGES)
    assert [(d.key, d.title, d.due_at) for d in dues] == [
        ("prepare", "Prepare", utc("2026-11-30T22:00")),
        ("send", "Send", utc("2026-12-01T22:00")),
    ]
    assert last_stage_due_at(start, NEW_YORK, STAGES) == utc("2026-12-01T22:00")
    assert last_stage_due_at(start, NEW_YORK, []) is None


def _first_business_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _business_days_between(first: dt.date, last: dt.date) -> int:
    """Mon-Fri days after `first` up to and including `last`, counted one by one."""
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += day.weekday() < 5
    return count


starts = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2090, 12, 31),
    timezones=st.just(dt.UTC),
)


@pytest.mark.no_db
@settings(max_examples=300, deadline=None)
@given(start=starts, zone=st.sampled_from(ZONES), days=st.integers(0, 250))
def test_due_is_17_00_local_on_the_nth_business_day(start, zone, days):
    due = stage_due_at(start, zone, days)
    assert due.utcoffset() == dt.timedelta(0)
    local = due.astimezone(zoneinfo.ZoneInfo(zone))
    assert (local.hour, local.minute, local.second) == (17, 0, 0)
    assert local.weekday() < 5
    first = _first_business_day(start.astimezone(zoneinfo.ZoneInfo(zone)).date())
    assert local.date() >= first
    assert _business_days_between(first, local.date()) == days


@pytest.mark.no_db
@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    days=st.integers(0, 250),
)
def test_one_more_business_day_is_the_next_weekday_and_five_more_a_week(day, days):
    due = add_business_days(day, days)
    after = add_business_days(day, days + 1)
    assert after > due
    assert _business_days_between(due, after) == 1
    assert add_business_days(day, days + 5) == due + dt.timedelta(weeks=1)


NOW = utc("2026-12-02T12:00")  # Wednesday: both stages of a Friday start are past


@pytest.mark.no_db
def test_a_past_stage_with_open_required_items_is_overdue():
    start = utc("2026-11-27T15:00")
    schedule = stage_schedule(
        start, NEW_YORK, STAGES, open_required={"send"}, closed=False, now=NOW
    )
    assert [(d.key, d.overdue) for d in schedule] == [("prepare", False), ("send", True)]
    early = stage_schedule(start, NEW_YORK, STAGES, open_required={"send"}, closed=False, now=start)
    assert not any(d.overdue for d in early)


@pytest.mark.no_db
@settings(max_examples=100, deadline=None)
@given(start=starts, now=starts, open_keys=st.sets(st.sampled_from(["prepare", "send"])))
def test_closed_work_is_never_overdue(start, now, open_keys):
    closed = stage_schedule(start, NEW_YORK, STAGES, open_required=open_keys, closed=True, now=now)
    assert not any(d.overdue for d in closed)
    live = stage_schedule(start, NEW_YORK, STAGES, open_required=open_keys, closed=False, now=now)
    assert [d.overdue for d in live] == [d.key in open_keys and d.due_at < now for d in live]


# --- the work item's due time ----------------------------------------------------------------


def _set_times(item_id: int, **values) -> None:
    with all_tenants():
        item = fetch_item(item_id)
        for key, value in values.items():
            setattr(item, key, value)
        db.session.flush()


def test_an_item_created_without_due_at_is_due_when_its_last_stage_is(app, desk):
    owner = api(app, desk.owner)
    body = desk.item_body()
    del body["due_at"]
    resp = owner.post(f"/clients/{desk.client.id}/work-items", json=body)
    assert resp.status_code == 201, resp.json
    item = fetch_item(resp.json["id"])
    # The default SOP's last stage ("send") is due 2 business days after creation.
    expected = stage_due_at(item.created_at, NEW_YORK, 2)
    assert item.due_at == expected
    local = item.due_at.astimezone(zoneinfo.ZoneInfo(NEW_YORK))
    assert (local.hour, local.minute) == (17, 0) and local.weekday() < 5
    assert resp.json["due_at"] == expected.isoformat()
    assert resp.json["stages"][-1]["due_at"] == resp.json["due_at"]


def test_the_create_form_without_due_at_uses_the_sop(app, desk):
    browser = web(app, desk.owner)
    url = f"/{desk.slug}/clients/{desk.client.id}/work/new"
    assert "Leave empty to use the SOP" in browser.get(url).get_data(as_text=True)
    form = {
        "title": "May report",
        "sop_version_id": str(desk.sop_version.id),
        "assignee_id": str(desk.va.id),
        "reviewer_id": str(desk.qa.id),
        "due_at": "",
        "important": "on",
    }
    resp = browser.post(url, data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    item = fetch_item(int(resp.headers["Location"].rsplit("/", 1)[-1]))
    assert item.due_at is not None
    assert item.due_at == stage_due_at(item.created_at, NEW_YORK, 2)


def test_an_explicit_due_at_still_wins(app, desk):
    flow = Flow(app, desk, due_at="2030-03-31T17:00")
    item = fetch_item(flow.id)
    assert item.due_at == utc("2030-03-31T21:00")  # 17:00 EDT, as asked
    assert item.due_at != stage_due_at(item.created_at, NEW_YORK, 2)


# --- the item page -----------------------------------------------------------------------------


def _stage_heading(html: str, key: str) -> str:
    match = re.search(rf'data-stage="{key}">(.*?)</div>', html, re.S)
    assert match, f"no heading for stage {key}"
    return match.group(1)


def _page(app, member, desk, item_id: int) -> str:
    resp = web(app, member).get(f"/{desk.slug}/work/{item_id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_stage_headings_show_due_times_from_the_start(app, desk):
    flow = Flow(app, desk)
    # Created on Friday 29 March 2030, 10:00 in New York (EDT).
    _set_times(flow.id, created_at=utc("2030-03-29T14:00"))
    html = _page(app, desk.owner, desk, flow.id)
    prepare = _stage_heading(html, "prepare")
    assert "1. Prepare" in prepare
    assert "Mon 1 Apr, 17:00 EDT" in prepare  # the client's time
    assert "Mon 1 Apr, 21:00 UTC" in prepare  # the viewer's time (UTC)
    assert "Tue 2 Apr, 17:00 EDT" in _stage_heading(html, "send")
    assert "Overdue" not in html and 'data-testid="stage-overdue"' not in html

    # Started later: the stages count from the start, not the creation.
    _set_times(flow.id, started_at=utc("2030-04-01T14:00"), state="in_progress")
    html = _page(app, desk.owner, desk, flow.id)
    assert "Tue 2 Apr, 17:00 EDT" in _stage_heading(html, "prepare")
    assert "Wed 3 Apr, 17:00 EDT" in _stage_heading(html, "send")


def test_a_past_stage_with_open_required_items_is_marked_overdue(app, desk):
    flow = Flow(app, desk)
    _set_times(flow.id, created_at=utc("2020-01-06T14:00"))  # Monday, long ago
    html = _page(app, desk.va, desk, flow.id)
    assert html.count('data-testid="stage-overdue"') == 2

    # The first stage's required items are done: only the second one is late.
    rows = checks(flow.id)
    with all_tenants():
        for key in ("collect", "draft"):
            rows[key].done = True
        db.session.flush()
    html = _page(app, desk.va, desk, flow.id)
    prepare, send = _stage_heading(html, "prepare"), _stage_heading(html, "send")
    assert "Overdue" not in prepare and 'data-overdue="false"' in prepare
    assert "Overdue" in send and "text-danger" in send
    assert "Wed 8 Jan, 17:00 EST" in send


def test_cancelled_work_shows_due_times_but_no_overdue_marks(app, desk):
    flow = Flow(app, desk)
    _set_times(flow.id, created_at=utc("2020-01-06T14:00"))
    flow.ok(flow.owner.post(flow.url("/cancel"), json={}))
    html = _page(app, desk.owner, desk, flow.id)
    assert "Wed 8 Jan, 17:00 EST" in _stage_heading(html, "send")
    assert "Overdue" not in html and 'data-testid="stage-overdue"' not in html


# --- the API ------------------------------------------------------------------------------------


def test_the_api_returns_the_stages_with_due_times_and_overdue(app, desk):
    flow = Flow(app, desk)
    _set_times(flow.id, created_at=utc("2030-03-29T14:00"))
    stages = flow.ok(flow.owner.get(flow.url())).json["stages"]
    assert stages == [
        {
            "key": "prepare",
            "title": "Prepare",
            "due_at": "2030-04-01T21:00:00+00:00",
            "overdue": False,
        },
        {"key": "send", "title": "Send", "due_at": "2030-04-02T21:00:00+00:00", "overdue": False},
    ]

    _set_times(flow.id, created_at=utc("2020-01-06T14:00"))
    stages = flow.ok(flow.owner.get(flow.url())).json["stages"]
    assert [(s["due_at"], s["overdue"]) for s in stages] == [
        ("2020-01-07T22:00:00+00:00", True),
        ("2020-01-08T22:00:00+00:00", True),
    ]
    cancelled = flow.ok(flow.owner.post(flow.url("/cancel"), json={})).json
    assert [s["overdue"] for s in cancelled["stages"]] == [False, False]


def test_the_openapi_document_describes_the_stages(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    stages = schemas["WorkItemOut"]["properties"]["stages"]
    assert stages["type"] == "array" and stages["readOnly"] is True
    ref = stages["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schemas[ref]["properties"]) == {"key", "title", "due_at", "overdue"}
    assert schemas[ref]["properties"]["due_at"]["format"] == "date-time"
    assert "last stage" in schemas["WorkItemIn"]["properties"]["due_at"]["description"]
