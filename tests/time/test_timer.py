"""The running timer: one per person, started from a client, a work item or the top bar,
kept on the server (a reload shows it), seen and stopped from any tab or device."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.core.tenancy import tenant
from app.extensions import db
from app.time.models import TimeEntry
from tests.clients.support import api, web
from tests.time.support import TODAY, entries_of


def _running(entries):
    return [e for e in entries if e.running]


def test_starting_while_one_runs_stops_the_old_one_first(app, tt, frozen):
    va = api(app, tt.va)
    first = va.post("/timer/start", json={"client_id": tt.client_id})
    assert first.status_code == 201 and first.json["stopped"] is None
    frozen.shift(dt.timedelta(minutes=25))
    second = va.post(
        "/timer/start",
        json={"client_id": tt.other_client_id, "work_item_id": tt.other_work_item_id},
    )
    assert second.status_code == 201, second.json
    assert second.json["stopped"]["id"] == first.json["entry"]["id"]
    assert second.json["stopped"]["duration_seconds"] == 25 * 60
    entries = entries_of(tt.va.id)
    assert len(entries) == 2 and [e.client_id for e in _running(entries)] == [tt.other_client_id]
    assert va.get("/timer").json["entry"]["work_item_id"] == tt.other_work_item_id


def test_the_database_refuses_a_second_running_timer(app, tt):
    now = dt.datetime.now(dt.UTC)
    with tenant(tt.agency.id):
        for _ in range(2):
            db.session.add(
                TimeEntry(
                    membership_id=tt.va.id,
                    client_id=tt.client_id,
                    entry_date=TODAY,
                    started_at=now,
                    zone="UTC",
                )
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
    db.session.rollback()


def test_people_each_have_their_own_timer(app, tt):
    assert api(app, tt.va).post("/timer/start", json={"client_id": tt.client_id}).status_code == 201
    owner = api(app, tt.owner)
    assert owner.post("/timer/start", json={"client_id": tt.client_id}).status_code == 201
    assert len(_running(entries_of(tt.va.id))) == 1
    assert len(_running(entries_of(tt.owner.id))) == 1


def test_the_timer_survives_a_reload_and_ticks_from_the_server(app, tt, frozen):
    browser = web(app, tt.va)
    page = browser.get(f"/{tt.slug}/clients/{tt.client_id}")
    assert 'data-testid="timer-start-here"' in page.get_data(as_text=True)
    resp = browser.post(
        f"/{tt.slug}/time/timer/start",
        data={"client_id": tt.client_id, "next": f"/{tt.slug}/clients/{tt.client_id}"},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/clients/{tt.client_id}")
    frozen.shift(dt.timedelta(minutes=25))
    page = browser.get(f"/{tt.slug}/time").get_data(as_text=True)  # a reload, later
    assert 'data-testid="timer-running"' in page and "25 min" in page
    assert "js/timer.js" in page
    state = browser.get(f"/{tt.slug}/time/timer").json
    assert state["running"] is True and state["elapsed_seconds"] == 25 * 60
    assert "Harbour Bakery" in state["html"]


def test_stopping_in_one_tab_stops_it_in_every_tab(app, tt, frozen):
    laptop, phone = web(app, tt.va), web(app, tt.va)
    laptop.post(f"/{tt.slug}/time/timer/start", data={"client_id": tt.client_id})
    assert phone.get(f"/{tt.slug}/time/timer").json["running"] is True
    frozen.shift(dt.timedelta(minutes=10))
    assert phone.post(f"/{tt.slug}/time/timer/stop").status_code == 302
    state = laptop.get(f"/{tt.slug}/time/timer").json
    assert state["running"] is False and 'data-testid="timer-start-form"' in state["html"]
    # The laptop's stale Stop button: nothing to stop, said plainly, nothing changes.
    resp = laptop.post(f"/{tt.slug}/time/timer/stop", follow_redirects=True)
    assert "already stopped" in resp.get_data(as_text=True)
    (entry,) = entries_of(tt.va.id)
    assert entry.duration_seconds == 600 and not entry.running


def test_stop_with_no_timer_is_409_in_the_api(app, tt):
    resp = api(app, tt.va).post("/timer/stop")
    assert resp.status_code == 409 and resp.json["error"] == "no_timer"


def test_a_timer_forgotten_overnight_ends_after_16_hours(app, tt, frozen):
    va = api(app, tt.va)
    va.post("/timer/start", json={"client_id": tt.client_id})
    frozen.shift(dt.timedelta(hours=20))
    stopped = va.post("/timer/stop").json["stopped"]
    assert stopped["duration_seconds"] == 16 * 3600


def test_a_timer_cannot_start_for_a_client_the_va_is_not_on(app, tt):
    from tests.factories import ClientFactory

    stranger = ClientFactory(agency=tt.agency, name="Not assigned")
    db.session.flush()
    resp = api(app, tt.va).post("/timer/start", json={"client_id": stranger.id})
    assert resp.status_code == 422 and "client_id" in resp.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TimeEntry)) == 0


def test_the_top_bar_offers_the_clients_timed_in_the_last_two_months(app, tt, frozen):
    """One click starts a timer for a recent client; a client last timed months ago is
    behind "Other…" (the bar reads the last RECENT_DAYS of the member's entries only)."""
    from app.time.queries import RECENT_DAYS

    va = api(app, tt.va)
    for client_id, days_ago in ((tt.client_id, RECENT_DAYS - 2), (tt.other_client_id, 120)):
        resp = va.post(
            "/time-entries",
            json={
                "client_id": client_id,
                "date": (TODAY - dt.timedelta(days=days_ago)).isoformat(),
                "duration": "0:30",
            },
        )
        assert resp.status_code == 201, resp.json
    html = web(app, tt.va).get(f"/{tt.slug}/time/timer").json["html"]
    assert "Harbour Bakery" in html and "Cedar Dental" not in html
    assert 'data-testid="timer-other"' in html
