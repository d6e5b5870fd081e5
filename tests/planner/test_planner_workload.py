"""Time blocks count as planned hours in the workload: in the week they are in (the
member's own week), and the part still to come is taken off the item's remaining estimate
before the rest is spread, so nothing counts twice. One statement whatever the number of
members."""

from __future__ import annotations

import datetime as dt

from app.capacity.workload import planned_minutes, workload
from app.core.tenancy import tenant
from app.extensions import db
from app.planner.hooks import planned_blocks
from app.time.models import TimeEntry
from tests.capacity.support import MONDAY, set_hours
from tests.factories import MembershipFactory
from tests.planner.support import UTC, block, item

WEEKS = [MONDAY + dt.timedelta(days=7 * w) for w in range(4)]


def _planned(team, member=None):
    member = member or team.va
    with tenant(team.agency.id):
        out = planned_minutes([member.id], MONDAY, 4)
    return [out.get((member.id, w), 0) for w in WEEKS]


def test_without_blocks_the_estimate_is_spread_as_before(team):
    set_hours(team.va, zone="UTC")
    item(team, minutes=600, due=dt.datetime(2026, 3, 18, 17, tzinfo=UTC))
    assert _planned(team) == [200, 200, 200, 0]


def test_blocked_minutes_count_in_their_week_and_only_the_rest_is_spread(team):
    set_hours(team.va, zone="UTC")
    work = item(team, minutes=600, due=dt.datetime(2026, 3, 18, 17, tzinfo=UTC))
    block(team.va, work, dt.datetime(2026, 3, 10, 9, tzinfo=UTC), 120)  # second week
    assert _planned(team) == [160, 280, 160, 0]
    assert sum(_planned(team)) == 600


def test_a_past_block_with_its_time_logged_is_not_counted_twice(team):
    set_hours(team.va, zone="UTC")
    work = item(team, minutes=600, due=dt.datetime(2026, 3, 18, 17, tzinfo=UTC))
    block(team.va, work, dt.datetime(2026, 3, 2, 9, tzinfo=UTC), 60)  # Monday, done
    block(team.va, work, dt.datetime(2026, 3, 10, 9, tzinfo=UTC), 120)
    with tenant(team.agency.id):
        db.session.add(
            TimeEntry(
                membership_id=team.va.id,
                client_id=team.client.id,
                work_item_id=work.id,
                entry_date=MONDAY,
                duration_seconds=3600,
                billable=True,
                zone="UTC",
            )
        )
        db.session.flush()
    # 540 left, 120 of it in a block to come: 420 spread (140 a week), plus both blocks
    assert _planned(team) == [200, 260, 140, 0]
    assert sum(_planned(team)) == 600


def test_blocks_beyond_the_estimate_still_count(team):
    set_hours(team.va, zone="UTC")
    work = item(team, minutes=60, due=dt.datetime(2026, 3, 18, 17, tzinfo=UTC))
    block(team.va, work, dt.datetime(2026, 3, 10, 9, tzinfo=UTC), 120)
    assert _planned(team) == [0, 120, 0, 0]


def test_blocks_of_closed_or_reassigned_items_do_not_count(team):
    set_hours(team.va, zone="UTC")
    done = item(team, minutes=60, state="delivered")
    block(team.va, done, dt.datetime(2026, 3, 10, 9, tzinfo=UTC), 120)
    other = MembershipFactory(agency=team.agency, role="va")
    moved = item(team, other, minutes=300, due=dt.datetime(2026, 3, 18, 17, tzinfo=UTC))
    block(team.va, moved, dt.datetime(2026, 3, 11, 9, tzinfo=UTC), 120)  # planned before
    assert _planned(team) == [0, 0, 0, 0]
    assert _planned(team, other) == [100, 100, 100, 0]


def test_a_block_counts_in_the_members_own_week(team):
    """Monday 00:30 in Manila is Sunday 16:30 UTC: the block is in Manila's week of 9 March."""
    night = tuple(((0, 480),) if d < 5 else () for d in range(7))
    set_hours(team.va, night, zone="Asia/Manila")
    work = item(team, minutes=None)
    block(team.va, work, dt.datetime(2026, 3, 8, 16, 30, tzinfo=UTC), 60)
    assert _planned(team) == [0, 60, 0, 0]


def test_workload_cells_include_blocks(team):
    set_hours(team.va, zone="UTC")
    work = item(team, minutes=None)
    block(team.va, work, dt.datetime(2026, 3, 10, 9, tzinfo=UTC), 7 * 60)
    with tenant(team.agency.id):
        cells = workload([team.va.id], MONDAY, 2)
    assert cells[(team.va.id, WEEKS[1])].planned == 420
    assert cells[(team.va.id, WEEKS[0])].planned == 0


def test_the_hook_is_one_statement_whatever_the_number_of_members(team, count_queries):
    few = [MembershipFactory(agency=team.agency, role="va") for _ in range(2)]
    many = [MembershipFactory(agency=team.agency, role="va") for _ in range(15)]
    for m in many:
        work = item(team, m, minutes=300)
        block(m, work, dt.datetime(2026, 3, 10, 9, tzinfo=UTC), 60)
    with tenant(team.agency.id):
        with count_queries() as small:
            planned_blocks([m.id for m in few], MONDAY, 8)
        with count_queries() as large:
            result = planned_blocks([m.id for m in many], MONDAY, 8)
    assert len(small) == len(large) == 1
    assert result.by_week[(many[0].id, WEEKS[1])] == 60
    assert sum(result.by_item.values()) == 15 * 60
