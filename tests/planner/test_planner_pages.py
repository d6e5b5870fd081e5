"""The week planner page: the VA's working days in their zone with half-hour slots, their
open work items, blocks with the client's local time; planning, moving, resizing and
removing blocks through the plain forms (what dragging sends); field errors for a block
outside working hours, on time off or a holiday, overlapping another, or of a work item
not theirs; warnings that do not stop a block."""

from __future__ import annotations

import datetime as dt

from app.core.tenancy import tenant
from app.extensions import db
from tests.capacity.support import add_time_off, set_hours
from tests.clients.support import web
from tests.factories import MembershipFactory
from tests.planner.support import UTC, block, blocks_of, item, set_client_zone

THURSDAY = "2026-03-05"


def _plan(http, team, member, **form):
    return http.post(f"/{team.slug}/planner/{member.id}/blocks", data=form)


def _manila(team):
    set_hours(team.va, zone="Asia/Manila")
    set_client_zone(team.client, "America/New_York")


def test_the_page_shows_the_week_in_the_vas_zone_and_their_open_items(app, team):
    _manila(team)
    mine = item(team, minutes=300)
    item(team, minutes=60, state="delivered")  # closed: not listed
    other = MembershipFactory(agency=team.agency, role="va")
    item(team, other)  # someone else's
    block(team.va, mine, dt.datetime(2026, 3, 5, 2, tzinfo=UTC), 90)  # Thu 10:00 Manila
    resp = web(app, team.va).get(f"/{team.slug}/planner")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html.count('data-testid="planner-day"') == 7
    assert html.count('data-testid="planner-slot"') == 5 * 16  # Mon-Fri 09:00-17:00
    assert html.count('data-testid="planner-item"') == 1
    assert mine.title in html
    assert 'data-drop-day="2026-03-05" data-drop-start="10:00"' in html
    # the block, 10:00-11:30 in Manila, is 21:00-22:30 of the day before in New York
    assert 'data-testid="planner-block"' in html
    assert "Client time: 21:00–22:30" in html
    assert "js/planner.js" in html


def test_planning_a_block_through_the_form(app, team):
    _manila(team)
    work = item(team, minutes=300)
    http = web(app, team.va)
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day=THURSDAY, start="10:00", minutes="90"
    )
    assert resp.status_code == 302
    assert "/planner?week=2026-03-02" in resp.headers["Location"]
    [row] = blocks_of(team.va)
    assert row.starts_at == dt.datetime(2026, 3, 5, 2, tzinfo=UTC)
    assert row.minutes == 90 and row.work_item_id == work.id
    page = http.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Block planned." in page


def test_a_block_must_be_inside_working_hours(app, team):
    _manila(team)
    work = item(team)
    http = web(app, team.va)
    for day, start, minutes in (
        (THURSDAY, "16:30", "60"),  # runs past 17:00
        (THURSDAY, "08:00", "60"),  # before the day starts
        ("2026-03-07", "10:00", "60"),  # a Saturday
    ):
        resp = _plan(
            http, team, team.va, work_item_id=work.id, day=day, start=start, minutes=minutes
        )
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, (day, start)
        assert 'data-field-error="start"' in html
        assert "Outside working hours" in html
    assert blocks_of(team.va) == []


def test_a_block_may_not_fall_on_time_off_or_a_public_holiday(app, team):
    set_hours(team.va, zone="Europe/Paris", country="FR")
    add_time_off(team.va, dt.date(2026, 3, 5))
    work = item(team, due=dt.datetime(2026, 5, 29, tzinfo=UTC))
    http = web(app, team.va)
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day=THURSDAY, start="10:00", minutes="60"
    )
    assert resp.status_code == 422
    assert "On time off or a public holiday." in resp.get_data(as_text=True)
    # 1 May is Labour Day in France
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day="2026-05-01", start="10:00", minutes="60"
    )
    assert resp.status_code == 422
    assert "On time off or a public holiday." in resp.get_data(as_text=True)
    # a pending request does not block the day
    add_time_off(team.va, dt.date(2026, 3, 6), state="pending")
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day="2026-03-06", start="10:00", minutes="60"
    )
    assert resp.status_code == 302
    page = http.get(f"/{team.slug}/planner?week=2026-03-05").get_data(as_text=True)
    assert page.count("Time off</span>") == 1  # the approved day is marked


def test_blocks_may_not_overlap(app, team):
    _manila(team)
    work = item(team)
    block(team.va, work, dt.datetime(2026, 3, 5, 2, tzinfo=UTC), 60)  # 10:00-11:00 Manila
    http = web(app, team.va)
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day=THURSDAY, start="09:30", minutes="60"
    )
    assert resp.status_code == 422
    assert "Overlaps another block" in resp.get_data(as_text=True)
    # touching is fine
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day=THURSDAY, start="11:00", minutes="60"
    )
    assert resp.status_code == 302
    assert len(blocks_of(team.va)) == 2


def test_only_open_items_assigned_to_the_va(app, team):
    _manila(team)
    other = MembershipFactory(agency=team.agency, role="va")
    for work in (item(team, other), item(team, state="delivered")):
        resp = _plan(
            web(app, team.va),
            team,
            team.va,
            work_item_id=work.id,
            day=THURSDAY,
            start="10:00",
            minutes="60",
        )
        assert resp.status_code == 422
        assert 'data-field-error="work_item_id"' in resp.get_data(as_text=True)
    assert blocks_of(team.va) == []


def test_bad_input_is_named_and_changes_nothing(app, team):
    work = item(team)
    http = web(app, team.va)
    for field, value in (
        ("day", "2026-02-30"),
        ("start", "25:61"),
        ("minutes", "5"),
        ("minutes", "1000"),
        ("minutes", "1.5"),
        ("work_item_id", "0"),
    ):
        form = {"work_item_id": work.id, "day": THURSDAY, "start": "10:00", "minutes": "60"}
        resp = _plan(http, team, team.va, **{**form, field: value})
        assert resp.status_code == 422, field
        assert f'data-field-error="{field}"' in resp.get_data(as_text=True)
    assert blocks_of(team.va) == []


def test_warnings_do_not_stop_a_block(app, team):
    set_hours(team.va, zone="UTC")
    # due Thursday noon; 41 h estimate: the 40 h week is over capacity
    work = item(team, minutes=41 * 60, due=dt.datetime(2026, 3, 5, 12, tzinfo=UTC))
    http = web(app, team.va)
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day=THURSDAY, start="11:00", minutes="120"
    )
    assert resp.status_code == 302
    page = http.get(resp.headers["Location"]).get_data(as_text=True)
    assert "This block ends after the work item is due" in page
    assert "This week is over capacity" in page
    assert 'data-testid="block-past-due"' in page
    assert 'data-testid="over-capacity"' in page


def test_low_buffer_warning(app, team):
    set_hours(team.va, zone="UTC")
    # 40 h a week, 3 working days left this week: 36 h planned is 90 %
    item(team, minutes=36 * 60, due=dt.datetime(2026, 3, 6, 17, tzinfo=UTC))
    page = web(app, team.va).get(f"/{team.slug}/planner").get_data(as_text=True)
    assert "This week has under 15% buffer" in page
    assert 'data-testid="low-buffer"' in page


def test_moving_resizing_and_removing_a_block(app, team):
    _manila(team)
    work = item(team)
    row = block(team.va, work, dt.datetime(2026, 3, 5, 2, tzinfo=UTC), 60)
    other = block(team.va, work, dt.datetime(2026, 3, 6, 2, tzinfo=UTC), 60)  # Fri 10:00
    http = web(app, team.va)
    url = f"/{team.slug}/planner/blocks/{row.id}"
    resp = http.post(url, data={"day": "2026-03-06", "start": "09:30", "minutes": "60"})
    assert resp.status_code == 422  # onto Friday's block
    html = resp.get_data(as_text=True)
    assert 'data-field-error="start"' in html and f'id="b{row.id}-start-error"' in html
    resp = http.post(url, data={"day": "2026-03-06", "start": "14:00", "minutes": "150"})
    assert resp.status_code == 302
    moved = [b for b in blocks_of(team.va) if b.id == row.id][0]
    assert moved.starts_at == dt.datetime(2026, 3, 6, 6, tzinfo=UTC) and moved.minutes == 150
    resp = http.post(f"/{team.slug}/planner/blocks/{other.id}/delete")
    assert resp.status_code == 302
    assert [b.id for b in blocks_of(team.va)] == [row.id]


def test_owners_and_managers_plan_for_a_va_others_cannot(app, team):
    set_hours(team.va, zone="UTC")
    work = item(team)
    form = {"work_item_id": work.id, "day": THURSDAY, "start": "10:00", "minutes": "60"}
    resp = _plan(web(app, team.manager), team, team.va, **form)
    assert resp.status_code == 302
    assert f"/planner/{team.va.id}?week=2026-03-02" in resp.headers["Location"]
    [row] = blocks_of(team.va)
    other = MembershipFactory(agency=team.agency, role="va")
    assert web(app, other).get(f"/{team.slug}/planner/{team.va.id}").status_code == 403
    assert _plan(web(app, other), team, team.va, **form).status_code == 403
    assert web(app, other).post(f"/{team.slug}/planner/blocks/{row.id}/delete").status_code == 404
    assert web(app, team.qa).get(f"/{team.slug}/planner").status_code == 403
    assert web(app, team.contact).get(f"/{team.slug}/planner").status_code == 403
    assert web(app, team.owner).get(f"/{team.slug}/planner/{team.qa.id}").status_code == 404
    assert len(blocks_of(team.va)) == 1


def test_another_agencys_block_and_member_are_not_found(app, team):
    from tests.clients.support import make_team

    elsewhere = make_team()
    work = item(elsewhere)
    row = block(elsewhere.va, work, dt.datetime(2026, 3, 5, 10, tzinfo=UTC))
    owner = web(app, team.owner)
    assert owner.get(f"/{team.slug}/planner/{elsewhere.va.id}").status_code == 404
    assert owner.post(f"/{team.slug}/planner/blocks/{row.id}/delete").status_code == 404
    assert len(blocks_of(elsewhere.va)) == 1


def test_a_week_with_a_dst_change_in_the_vas_zone(app, team):
    """Berlin moves to summer time on Sunday 29 March 2026: 09:00 is 08:00 UTC on the
    Saturday and 07:00 UTC on the Sunday; the day's slots stay 09:00-17:00 local."""
    every_day = tuple(((540, 1020),) for _ in range(7))
    set_hours(team.va, every_day, zone="Europe/Berlin")
    work = item(team, due=dt.datetime(2026, 4, 30, tzinfo=UTC))
    http = web(app, team.va)
    for day in ("2026-03-28", "2026-03-29"):
        resp = _plan(
            http, team, team.va, work_item_id=work.id, day=day, start="09:00", minutes="60"
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    assert [b.starts_at for b in blocks_of(team.va)] == [
        dt.datetime(2026, 3, 28, 8, tzinfo=UTC),
        dt.datetime(2026, 3, 29, 7, tzinfo=UTC),
    ]
    # 16:30 + 60 min runs past 17:00 local on the short day as on any other
    resp = _plan(
        http, team, team.va, work_item_id=work.id, day="2026-03-29", start="16:30", minutes="60"
    )
    assert resp.status_code == 422
    page = http.get(f"/{team.slug}/planner?week=2026-03-25").get_data(as_text=True)
    assert page.count('data-testid="planner-slot"') == 7 * 16
    assert 'data-drop-day="2026-03-29" data-drop-start="09:00"' in page
    assert 'data-drop-day="2026-03-29" data-drop-start="16:30"' in page
    assert page.count('data-testid="planner-block"') == 2
    with tenant(team.agency.id):
        db.session.rollback()


def test_nav_and_workload_link_to_the_planner(app, team):
    va = web(app, team.va)
    dashboard = va.get(f"/{team.slug}/capacity/my-workload").get_data(as_text=True)
    assert f'href="/{team.slug}/planner"' in dashboard
    assert 'data-testid="plan-week-link"' in dashboard
    heat = web(app, team.manager).get(f"/{team.slug}/capacity/workload").get_data(as_text=True)
    assert f"/{team.slug}/planner/{team.va.id}?week=2026-03-02" in heat
    assert f"/{team.slug}/planner/{team.qa.id}" not in heat
    qa = web(app, team.qa).get(f"/{team.slug}/capacity/my-workload").get_data(as_text=True)
    assert f'href="/{team.slug}/planner"' not in qa


def test_the_planner_and_the_heat_map_count_a_week_alike(app, team):
    """An item due in three weeks is spread over those weeks on the heat map; the planner
    of each of those weeks says the same planned time (not the whole estimate at once)."""
    set_hours(team.va, zone="UTC")
    item(team, minutes=30 * 60, due=dt.datetime(2026, 3, 18, 17, tzinfo=UTC))  # 3 weeks
    owner = web(app, team.owner)
    heat = owner.get(f"/{team.slug}/capacity/workload").get_data(as_text=True)
    row = next(r for r in heat.split('data-testid="workload-row"')[1:] if team.va.user.name in r)
    assert ">10 h / 40 h<" in row  # 30 h over three weeks
    for week in ("2026-03-02", "2026-03-09", "2026-03-16"):
        page = owner.get(f"/{team.slug}/planner/{team.va.id}?week={week}").get_data(as_text=True)
        assert "10 h planned of 40 h" in page, week
        assert "This week is over capacity" not in page
    later = owner.get(f"/{team.slug}/planner/{team.va.id}?week=2026-03-23")
    assert "0 min planned of 40 h" in later.get_data(as_text=True)
