"""Workload: open work items' remaining estimate spread up to their due week, against
capacity, with the over-capacity and low-buffer flags; the heat map page and the personal
view; statements do not grow with people."""

from __future__ import annotations

import datetime as dt

from app.capacity.workload import workload
from app.core.tenancy import tenant
from app.extensions import db
from app.time.models import TimeEntry
from tests.capacity.support import MONDAY, add_time_off
from tests.clients.support import api, web
from tests.factories import MembershipFactory, WorkItemFactory

UTC = dt.UTC


def _item(team, member, minutes, due, state="todo"):
    return WorkItemFactory(
        client=team.client, assignee_id=member.id, estimate_minutes=minutes, due_at=due, state=state
    )


def test_remaining_estimate_is_spread_up_to_the_due_week(team):
    due = dt.datetime(2026, 3, 18, 17, tzinfo=UTC)  # third week
    item = _item(team, team.va, 46 * 60, due)
    _item(team, team.va, 600, None, state="delivered")  # closed: not planned
    _item(team, team.va, 60, dt.datetime(2026, 2, 1, tzinfo=UTC))  # overdue: this week
    with tenant(team.agency.id):
        db.session.add(
            TimeEntry(
                membership_id=team.va.id,
                client_id=team.client.id,
                work_item_id=item.id,
                entry_date=MONDAY,
                duration_seconds=3600,
                billable=True,
                zone="UTC",
            )
        )
        db.session.flush()
        cells = workload([team.va.id], MONDAY, 4)
    weeks = [MONDAY + dt.timedelta(days=7 * w) for w in range(4)]
    planned = [cells[(team.va.id, w)].planned for w in weeks]
    assert planned == [15 * 60 + 60, 15 * 60, 15 * 60, 0]
    assert [cells[(team.va.id, w)].capacity for w in weeks] == [2400] * 4
    assert cells[(team.va.id, weeks[0])].low_buffer is False
    assert cells[(team.va.id, weeks[3])].planned == 0


def test_flags_over_capacity_and_low_buffer(team):
    add_time_off(team.va, MONDAY, MONDAY + dt.timedelta(days=2))  # 16 h left this week
    _item(team, team.va, 20 * 60, dt.datetime(2026, 3, 6, 17, tzinfo=UTC))
    _item(team, team.qa, 36 * 60, dt.datetime(2026, 3, 6, 17, tzinfo=UTC))
    with tenant(team.agency.id):
        cells = workload([team.va.id, team.qa.id], MONDAY, 1)
    assert cells[(team.va.id, MONDAY)].over
    assert cells[(team.qa.id, MONDAY)].low_buffer and not cells[(team.qa.id, MONDAY)].over


def test_heat_map_and_personal_view(app, team):
    _item(team, team.va, 60 * 60, dt.datetime(2026, 3, 6, 17, tzinfo=UTC))
    html = web(app, team.manager).get(f"/{team.slug}/capacity/workload").get_data(as_text=True)
    assert html.count('data-testid="workload-row"') == 4
    assert 'data-testid="over-capacity"' in html
    mine = web(app, team.va).get(f"/{team.slug}/capacity/my-workload")
    assert mine.status_code == 200
    assert mine.get_data(as_text=True).count('data-testid="workload-row"') == 1
    assert web(app, team.va).get(f"/{team.slug}/capacity/workload").status_code == 403


def test_workload_statements_do_not_grow_with_people(team, count_queries):
    few = [MembershipFactory(agency=team.agency, role="va") for _ in range(2)]
    many = [MembershipFactory(agency=team.agency, role="va") for _ in range(20)]
    for m in many:
        _item(team, m, 300, dt.datetime(2026, 3, 20, tzinfo=UTC))
    with tenant(team.agency.id):
        workload([m.id for m in few], MONDAY, 8)
        with count_queries() as small:
            workload([m.id for m in few], MONDAY, 8)
        with count_queries() as large:
            cells = workload([m.id for m in many], MONDAY, 8)
    assert len(small) == len(large) == 5  # four, and one for the time blocks hook
    assert cells[(many[0].id, MONDAY)].planned == 100


def test_workload_api_shows_a_va_their_own_and_managers_everyone(app, team):
    _item(team, team.va, 60 * 60, dt.datetime(2026, 3, 6, 17, tzinfo=UTC))
    mine = api(app, team.va).get("/workload?weeks=2").json["items"]
    assert [row["membership_id"] for row in mine] == [team.va.id]
    assert mine[0]["weeks"][0]["over_capacity"] is True
    assert mine[0]["weeks"][0]["planned_minutes"] == 3600
    everyone = api(app, team.manager).get("/workload").json["items"]
    assert len(everyone) == 4 and len(everyone[0]["weeks"]) == 8
    one = api(app, team.manager).get(f"/workload?member_id={team.qa.id}").json["items"]
    assert [row["membership_id"] for row in one] == [team.qa.id]
    assert api(app, team.va).get("/workload?weeks=27").status_code == 422
    assert api(app, team.contact).get("/workload").status_code == 403


def test_retainer_hours_are_planned_for_the_primary_va(team):
    from app.retainers.models import RetainerPlan
    from tests.factories import AssignmentFactory

    AssignmentFactory(client=team.client, membership=team.va, starts_on=dt.date(2026, 1, 1))
    with tenant(team.agency.id):
        db.session.add(
            RetainerPlan(
                client_id=team.client.id,
                description="Monthly support",
                monthly_amount_minor=100000,
                currency="USD",
                included_hours=52,
                active=True,
            )
        )
        db.session.flush()
        cells = workload([team.va.id, team.qa.id], MONDAY, 2)
    assert cells[(team.va.id, MONDAY)].planned == 12 * 60  # 52 h a month = 12 h a week
    assert cells[(team.va.id, MONDAY + dt.timedelta(days=7))].planned == 12 * 60
    assert cells[(team.qa.id, MONDAY)].planned == 0


def test_the_cockpit_counts_who_is_over_capacity_this_week(app, team):
    add_time_off(team.va, MONDAY, MONDAY + dt.timedelta(days=2))  # 16 h left this week
    _item(team, team.va, 20 * 60, dt.datetime(2026, 3, 6, 17, tzinfo=UTC))  # over
    _item(team, team.qa, 36 * 60, dt.datetime(2026, 3, 6, 17, tzinfo=UTC))  # under 15 % free
    html = web(app, team.owner).get(f"/{team.slug}/").get_data(as_text=True)
    tile = html[html.index('data-testid="tile-workload"') :].split("</a>")[0]
    assert "1 of 4" in tile and "1 more with under 15 % free" in tile
    assert f'href="/{team.slug}/capacity/workload"' in html
    va = web(app, team.va).get(f"/{team.slug}/").get_data(as_text=True)
    assert 'data-testid="tile-workload"' not in va


def test_planned_blocks_hooks_count_blocks_and_take_them_off_the_estimate(team, monkeypatch):
    """The hook contract: minutes blocked per member and week are added, and per work item
    the minutes of blocks still to come are taken off its remaining estimate first."""
    from app.capacity import workload as workload_module

    item = _item(team, team.va, 600, dt.datetime(2026, 3, 18, 17, tzinfo=UTC))

    def hook(ids, first, weeks):
        return workload_module.Blocked(
            {(team.va.id, first + dt.timedelta(days=7)): 90}, {item.id: 90}
        )

    monkeypatch.setattr(workload_module, "PLANNED_BLOCKS", [hook])
    with tenant(team.agency.id):
        cells = workload([team.va.id], MONDAY, 4)
    weeks = [MONDAY + dt.timedelta(days=7 * w) for w in range(4)]
    assert [cells[(team.va.id, w)].planned for w in weeks] == [170, 260, 170, 0]
