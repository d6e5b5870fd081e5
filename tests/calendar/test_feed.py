"""The per-person iCalendar feed: a secret URL (only its hash stored), shown once,
regenerated (the old URL dies at once) and revoked; what it holds is what that person may
see, checked event by event against the database after a real parse of the bytes."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from icalendar import Calendar

from app.calendar.models import CalendarFeed
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice
from app.work.models import WorkItem
from app.work.stage_dates import stage_due_dates
from tests.calendar.support import NOW
from tests.clients.support import api, fetch, web

FEED_URL = re.compile(r"https?://[^\s<\"]+/calendar/feed/[A-Za-z0-9_\-]+\.ics")


def _make_feed(app, member) -> str:
    """Make the person's feed on the page; the URL shown once."""
    resp = web(app, member).post(f"/{member.agency.slug}/calendar/feed")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-testid="feed-url-once"' in html
    return FEED_URL.search(html).group(0)


def _path(url: str) -> str:
    return url[url.index("/calendar/feed/") :]


def _feeds(membership_id: int) -> list[CalendarFeed]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(CalendarFeed)
                .where(CalendarFeed.membership_id == membership_id)
                .order_by(CalendarFeed.id)
                .execution_options(populate_existing=True)
            )
        )


def _unfold(body: bytes) -> list[str]:
    """RFC 5545 content lines by hand: CRLF endings, at most 75 octets, folded lines
    continued with one space."""
    assert body.endswith(b"\r\n")
    raw = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in raw), [line for line in raw if len(line) > 75]
    lines: list[str] = []
    for line in raw:
        text = line.decode("utf-8")
        if text.startswith(" "):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def _expected(ct, *, with_invoices: bool, member_id: int | None) -> dict[str, tuple]:
    """UID -> (summary, start) from the database: work and stage due dates of the items
    the person may see in the feed's window, and unpaid invoices' due dates."""
    start, end = NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=180)
    out: dict[str, tuple] = {}
    suffix = f".a{ct.agency.id}@baton"
    with tenant(ct.agency.id):
        items = db.session.scalars(sa.select(WorkItem)).all()
        for item in items:
            if member_id is not None and item.assignee_id != member_id:
                continue
            if item.due_at and start <= item.due_at < end:
                out[f"work_due-{item.id}{suffix}"] = (item.title, item.due_at)
            for stage in stage_due_dates(
                item.started_at or item.created_at, item.client.time_zone, item.sop_version.stages
            ):
                if start <= stage.due_at < end:
                    key = f"stage_due-{item.id}-{stage.key}{suffix}"
                    out[key] = (f"{stage.title}: {item.title}", stage.due_at)
        if with_invoices:
            for inv in db.session.scalars(sa.select(Invoice)).all():
                out[f"invoice_due-{inv.id}{suffix}"] = (f"Invoice {inv.number} due", inv.due_date)
    return out


def _check_feed(body: bytes, expected: dict[str, tuple]) -> None:
    cal = Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0"
    events = list(cal.walk("VEVENT"))
    seen = {}
    for ev in events:
        uid = str(ev["UID"])
        start = ev.decoded("DTSTART")
        seen[uid] = (str(ev["SUMMARY"]), start)
        assert ev.decoded("DTSTAMP") == NOW
        if isinstance(start, dt.datetime):
            assert start.utcoffset() == dt.timedelta(0)
        else:
            assert ev["DTSTART"].params.get("VALUE") == "DATE"
            assert ev.decoded("DTEND") == start + dt.timedelta(days=1)
    assert seen == expected
    # the same bytes read by hand: every UID and DTSTART line is there as written
    lines = _unfold(body)
    assert sum(1 for line in lines if line == "BEGIN:VEVENT") == len(expected)
    for uid, (summary, start) in expected.items():
        assert f"UID:{uid}" in lines
        assert f"SUMMARY:{summary}" in lines
        if isinstance(start, dt.datetime):
            assert f"DTSTART:{start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in lines
        else:
            assert f"DTSTART;VALUE=DATE:{start:%Y%m%d}" in lines
    # and a round trip through the library gives the same document back
    assert Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical()


def test_a_va_feed_round_trips_with_only_their_own_work(app, ct):
    url = _make_feed(app, ct.va)
    [feed] = _feeds(ct.va.id)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    resp = app.test_client().get(_path(url))  # no session at all
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = resp.get_data()
    _check_feed(body, _expected(ct, with_invoices=False, member_id=ct.va.id))
    assert b"Recall letters" not in body and b"Invoice" not in body
    feed = fetch(CalendarFeed, feed.id)
    assert feed.fetch_count == 1 and feed.last_fetched_at == NOW


def test_an_owner_feed_has_the_agency_and_invoice_dates_as_all_day(app, ct):
    url = _make_feed(app, ct.owner)
    body = app.test_client().get(_path(url)).get_data()
    expected = _expected(ct, with_invoices=True, member_id=None)
    assert any(k.startswith("invoice_due-") for k in expected)
    _check_feed(body, expected)


def test_regenerating_kills_the_old_url_at_once_and_revoking_kills_the_new(app, ct):
    first = _make_feed(app, ct.va)
    second = _make_feed(app, ct.va)
    assert first != second
    http = app.test_client()
    assert http.get(_path(first)).status_code == 404
    assert http.get(_path(second)).status_code == 200
    old, new = _feeds(ct.va.id)
    assert old.revoked_at == NOW and new.revoked_at is None
    assert old.fetch_count == 0  # a 404 counts nothing
    resp = web(app, ct.va).post(f"/{ct.slug}/calendar/feed/revoke")
    assert resp.status_code == 302
    assert http.get(_path(second)).status_code == 404
    assert [f.fetch_count for f in _feeds(ct.va.id)] == [0, 1]
    page = web(app, ct.va).get(f"/{ct.slug}/calendar").get_data(as_text=True)
    assert 'data-testid="feed-inactive"' in page and "/calendar/feed/" not in page


def test_the_url_is_shown_once_and_never_again(app, ct):
    url = _make_feed(app, ct.manager)
    page = web(app, ct.manager).get(f"/{ct.slug}/calendar").get_data(as_text=True)
    assert url not in page and 'data-testid="feed-active"' in page
    status = api(app, ct.manager).get("/calendar/feed").get_json()
    assert status["active"] is True and status["url"] is None


def test_a_member_who_left_has_a_dead_feed(app, ct):
    url = _make_feed(app, ct.va)
    with tenant(ct.agency.id):
        ct.va.status = "removed"
        db.session.flush()
    assert app.test_client().get(_path(url)).status_code == 404


def test_the_api_makes_shows_and_revokes_ones_own_feed(app, ct):
    client = api(app, ct.qa)
    assert client.get("/calendar/feed").get_json()["active"] is False
    made = client.post("/calendar/feed")
    assert made.status_code == 201
    url = made.get_json()["url"]
    assert FEED_URL.fullmatch(url)
    body = app.test_client().get(_path(url)).get_data()
    mine = (f"work_due-{ct.qa_item.id}.", f"stage_due-{ct.qa_item.id}-")
    everything = _expected(ct, with_invoices=False, member_id=None)
    _check_feed(body, {k: v for k, v in everything.items() if k.startswith(mine)})
    again = client.post("/calendar/feed").get_json()["url"]
    assert app.test_client().get(_path(url)).status_code == 404
    assert client.delete("/calendar/feed").status_code == 204
    assert app.test_client().get(_path(again)).status_code == 404
    assert client.get("/calendar/feed").get_json()["active"] is False
    assert client.delete("/calendar/feed").status_code == 204
