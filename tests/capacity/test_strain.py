"""Strain signals: weeks over capacity in a row (planned ahead, logged in past weeks), time
logged outside working hours in the person's zone, overdue work piling up; shown to owners
and managers only (heat map, API, cockpit), never to the VA or a client; statements do not
grow with people."""

from __future__ import annotations

import datetime as dt

from app.capacity.strain import strain
from app.capacity.workload import workload
from app.core.tenancy import tenant
from app.extensions import db
from app.time.models import TimeEntry
from tests.capacity.support import MONDAY, NOW, set_hours
from tests.clients.support import api, web
from tests.factories import MembershipFactory, WorkItemFactory

UTC = dt.UTC


def _entry(team, member, start: dt.datetime | None, hours: float, day: dt.date | None = None):
    with tenant(team.agency.id):
        db.session.add(
            TimeEntry(
                membership_id=member.id,
                client_id=team.client.id,
                entry_date=day or start.date(),
                started_at=start,
                ended_at=start + dt.timedelta(hours=hours) if start else None,
                duration_seconds=int(hours * 3600),
                billable=True,
                zone="UTC",
            )
        )
        db.session.flush()


def _late(team, member, due: dt.datetime, created: dt.datetime, state="todo", **kw):
    return WorkItemFactory(
        client=team.client, assignee_id=member.id, due_at=due, state=state, created_at=created, **kw
    )


def _signals(team, ids):
    with tenant(team.agency.id):
        cells = workload(ids, MONDAY, 8)
        return strain(ids, MONDAY, NOW, cells)


def test_weeks_over_capacity_ahead_and_logged_in_past_weeks(team):
    WorkItemFactory(
        client=team.client,
        assignee_id=team.va.id,
        estimate_minutes=150 * 60,  # 50 h a week over three weeks, 40 h of capacity
        due_at=dt.datetime(2026, 3, 18, 17, tzinfo=UTC),
        state="todo",
    )
    for weeks_back in (1, 2):  # 45 h logged in each of the last two weeks
        for d in range(5):
            _entry(team, team.qa, None, 9, MONDAY - dt.timedelta(days=7 * weeks_back - d))
    _entry(team, team.qa, None, 50, MONDAY - dt.timedelta(days=28))  # not in a row
    signals = _signals(team, [team.va.id, team.qa.id, team.manager.id])
    va, qa, manager = signals[team.va.id], signals[team.qa.id], signals[team.manager.id]
    assert (va.weeks_over_ahead, va.weeks_over_past, va.over_capacity) == (3, 0, True)
    assert (qa.weeks_over_ahead, qa.weeks_over_past, qa.over_capacity) == (0, 2, True)
    assert manager.signals == 0 and not manager.over_capacity


def test_time_outside_working_hours_in_the_persons_zone(team):
    set_hours(team.va, zone="Asia/Manila")  # 09:00-17:00 Manila = 01:00-09:00 UTC
    _entry(team, team.va, dt.datetime(2026, 3, 3, 2, tzinfo=UTC), 2)  # inside
    _entry(team, team.va, dt.datetime(2026, 3, 3, 8, tzinfo=UTC), 3)  # 2 h after 17:00
    _entry(team, team.va, dt.datetime(2026, 2, 28, 3, tzinfo=UTC), 1.5)  # a Saturday
    _entry(team, team.va, dt.datetime(2026, 2, 10, 22, tzinfo=UTC), 5)  # too long ago
    _entry(team, team.va, None, 6, dt.date(2026, 3, 3))  # no start time: not counted
    signals = _signals(team, [team.va.id])[team.va.id]
    assert signals.outside_minutes == 210
    assert signals.outside_hours
    set_hours(team.qa, zone="Asia/Manila")
    _entry(team, team.qa, dt.datetime(2026, 3, 3, 8, tzinfo=UTC), 3)
    assert not _signals(team, [team.qa.id])[team.qa.id].outside_hours  # 2 h: under 3 h


def test_overdue_work_piling_up_against_a_week_ago(team):
    long_ago = NOW - dt.timedelta(days=30)
    _late(team, team.va, NOW - dt.timedelta(days=20), long_ago)
    _late(team, team.va, NOW - dt.timedelta(days=10), long_ago)
    _late(team, team.va, NOW - dt.timedelta(days=2), long_ago)  # not yet due a week ago
    _late(team, team.va, NOW - dt.timedelta(days=12), long_ago, state="delivered")
    _late(team, team.va, NOW + dt.timedelta(days=2), long_ago)  # not due
    # Delivered since last week: overdue then, not now.
    _late(
        team,
        team.qa,
        NOW - dt.timedelta(days=12),
        long_ago,
        state="delivered",
        delivered_at=NOW - dt.timedelta(days=3),
    )
    signals = _signals(team, [team.va.id, team.qa.id])
    va, qa = signals[team.va.id], signals[team.qa.id]
    assert (va.overdue, va.overdue_week_ago, va.overdue_piling, va.overdue_growing) == (
        3,
        2,
        True,
        True,
    )
    assert (qa.overdue, qa.overdue_week_ago, qa.overdue_piling, qa.overdue_growing) == (
        0,
        1,
        False,
        False,
    )


def _strained_va(team):
    long_ago = NOW - dt.timedelta(days=30)
    for days in (20, 15, 9):
        _late(team, team.va, NOW - dt.timedelta(days=days), long_ago)


def test_the_heat_map_shows_strain_to_owners_and_managers_only(app, team):
    _strained_va(team)
    WorkItemFactory(
        client=team.client,
        assignee_id=team.va.id,
        estimate_minutes=100 * 60,
        due_at=dt.datetime(2026, 3, 11, 17, tzinfo=UTC),
        state="todo",
    )
    _entry(team, team.va, dt.datetime(2026, 3, 2, 19, tzinfo=UTC), 4)  # 19:00-23:00 UTC
    db.session.commit()
    html = web(app, team.owner).get(f"/{team.slug}/capacity/workload").get_data(as_text=True)
    assert 'data-testid="strain-over"' in html and "2 weeks over" in html
    assert 'data-testid="strain-outside"' in html
    for who in (team.owner, team.manager):
        html = web(app, who).get(f"/{team.slug}/capacity/workload").get_data(as_text=True)
        assert 'data-testid="strain-overdue"' in html
        assert "3 open work items past due, 3 a week ago." in html  # title and hidden text
        assert 'class="visually-hidden"' in html
        assert 'data-testid="strain-legend"' in html
    mine = web(app, team.va).get(f"/{team.slug}/capacity/my-workload").get_data(as_text=True)
    assert "strain" not in mine.lower()
    assert web(app, team.va).get(f"/{team.slug}/capacity/workload").status_code == 403
    assert web(app, team.contact).get(f"/{team.slug}/capacity/workload").status_code in (403, 404)
    portal = web(app, team.contact).get(f"/{team.slug}/", follow_redirects=True)
    assert "strain" not in portal.get_data(as_text=True).lower()


def test_the_strain_api_is_for_owners_and_managers_only(app, team):
    _strained_va(team)
    db.session.commit()
    body = api(app, team.manager).get("/strain").json
    assert body["thresholds"] == {"weeks": 2, "days": 14, "minutes": 180, "items": 3}
    row = next(r for r in body["items"] if r["membership_id"] == team.va.id)
    assert row["overdue"] == 3 and row["overdue_piling"] is True and row["signals"] == 1
    assert api(app, team.owner).get("/strain").status_code == 200
    assert api(app, team.va).get("/strain").status_code == 403
    assert api(app, team.qa).get("/strain").status_code == 403
    assert api(app, team.contact).get("/strain").status_code == 403
    for who in (team.va, team.manager):  # the workload endpoint carries no strain
        assert "overdue" not in str(api(app, who).get("/workload").json)


def test_the_cockpit_counts_people_showing_strain(app, team):
    _strained_va(team)
    db.session.commit()
    html = web(app, team.owner).get(f"/{team.slug}/").get_data(as_text=True)
    tile = html[html.index('data-testid="tile-workload"') :].split("</a>")[0]
    assert "1 showing strain" in tile


def test_strain_statements_do_not_grow_with_people(team, count_queries):
    few = [MembershipFactory(agency=team.agency, role="va") for _ in range(2)]
    many = [MembershipFactory(agency=team.agency, role="va") for _ in range(15)]
    for group in (few, many):
        for m in group:
            set_hours(m, zone="Europe/Paris")
            _entry(team, m, dt.datetime(2026, 3, 2, 20, tzinfo=UTC), 4)
            _entry(team, m, None, 30, MONDAY - dt.timedelta(days=7))
            _late(team, m, NOW - dt.timedelta(days=9), NOW - dt.timedelta(days=20))
    with tenant(team.agency.id):
        small_ids, large_ids = [m.id for m in few], [m.id for m in many]
        cells_small = workload(small_ids, MONDAY, 8)
        cells_large = workload(large_ids, MONDAY, 8)
        strain(small_ids, MONDAY, NOW, cells_small)
        with count_queries() as small:
            strain(small_ids, MONDAY, NOW, cells_small)
        with count_queries() as large:
            found = strain(large_ids, MONDAY, NOW, cells_large)
    assert len(small) == len(large) <= 7
    assert found[many[0].id].outside_minutes == 4 * 60
    assert found[many[0].id].overdue == 1
