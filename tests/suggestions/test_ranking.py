"""Ranking: matching skills, free hours before the due date, overlap with the client's
business hours and first-pass yield on the SOP each move a VA up; ties go by name; the
number of statements does not grow with the number of VAs."""

from __future__ import annotations

import datetime as dt

from app.core.tenancy import tenant
from app.suggestions.presenting import reasons
from app.suggestions.ranking import WEIGHTS, rank_candidates
from tests.capacity.support import add_time_off, set_client_hours
from tests.factories import WorkItemFactory
from tests.suggestions.support import DUE, actor, approved_item, sop, tag, va

NINE_TO_FIVE = tuple(((540, 1020),) if d < 5 else () for d in range(7))


def _rank(team, **kw):
    """The VAs on the client (the team's own VA, on no client, stays out of the way)."""
    kw.setdefault("assigned_only", True)
    with tenant(team.agency.id):
        return rank_candidates(actor(team.owner), client=team.client, **kw)


def _names(ranked) -> list[str]:
    return [s.name for s in ranked]


def test_weights_make_a_score_out_of_100():
    assert sum(WEIGHTS.values()) == 100


def test_matching_skills_beat_none(team):
    version = sop(team)
    keeper, plain = va(team, "Bruno Keeper"), va(team, "Alice Plain")
    tag("member", keeper, "bookkeeping", "xero", "payroll")
    tag("sop", version.sop, "bookkeeping")
    tag("client", team.client, "xero", "shopify")
    ranked = _rank(team, sop=version.sop, due=DUE)
    assert _names(ranked)[0] == "Bruno Keeper"
    first = ranked[0]
    assert first.matched_tags == ["bookkeeping", "xero"] and first.wanted_tags == 3
    assert first.points["skills"] > 0 and ranked[1].points["skills"] == 0
    assert [s.rank for s in ranked] == [1, 2]
    with tenant(team.agency.id):
        lines = reasons(first)
    assert "2 matching skills: bookkeeping, xero" in lines
    assert ranked[1].membership_id == plain.id


def test_free_hours_before_the_due_date_count(team):
    busy = va(team, "Aaron Busy")
    va(team, "Zelda Free")
    WorkItemFactory(
        client=team.client,
        assignee_id=busy.id,
        estimate_minutes=20 * 60,
        due_at=dt.datetime(2026, 3, 6, 17, tzinfo=dt.UTC),
    )
    ranked = _rank(team, due=DUE)
    assert _names(ranked) == ["Zelda Free", "Aaron Busy"]
    by_name = {s.name: s for s in ranked}
    # Wednesday to Friday: 3 of the week's 5 working days are in the window.
    assert by_name["Zelda Free"].free_minutes == 24 * 60
    assert by_name["Aaron Busy"].free_minutes == 12 * 60
    with tenant(team.agency.id):
        assert "24.0 h free until 6 Mar 2026" in reasons(by_name["Zelda Free"])


def test_time_off_before_the_due_date_lowers_a_va(team):
    away = va(team, "Aaron Away")
    va(team, "Zelda Here")
    add_time_off(away, dt.date(2026, 3, 5), DUE)
    ranked = _rank(team, due=DUE)
    assert _names(ranked) == ["Zelda Here", "Aaron Away"]
    assert ranked[0].free_minutes > ranked[1].free_minutes
    later = _rank(team, due=dt.date(2026, 3, 27))  # four weeks: still fewer hours free
    assert later[0].window_end == dt.date(2026, 3, 27) and later[0].name == "Zelda Here"


def test_overlap_with_the_clients_business_hours(team):
    set_client_hours(team.client, NINE_TO_FIVE)  # New York 9-17
    va(team, "Aaron Manila", zone="Asia/Manila")  # 9-17 Manila: no overlap
    va(team, "Zelda Boston", zone="America/New_York")
    ranked = _rank(team, due=DUE)
    assert _names(ranked) == ["Zelda Boston", "Aaron Manila"]
    assert ranked[0].overlap_hours == 8 and ranked[1].overlap_hours == 0
    assert ranked[0].client_hours == 8 and ranked[0].points["overlap"] == WEIGHTS["overlap"]
    with tenant(team.agency.id):
        assert "8.0 h/day overlap" in reasons(ranked[0])


def test_first_pass_yield_on_the_sop(team):
    version, other = sop(team), sop(team, "Payroll run")
    steady, rework = va(team, "Zelda Steady"), va(team, "Aaron Rework")
    for _ in range(3):
        approved_item(team, steady, version)
        approved_item(team, rework, version, reworked=True)
        approved_item(team, rework, other)  # first time, but on another SOP
    ranked = _rank(team, sop=version.sop, due=DUE)
    assert _names(ranked) == ["Zelda Steady", "Aaron Rework"]
    assert (ranked[0].approved, ranked[0].fpy_percent) == (3, 100)
    assert (ranked[1].approved, ranked[1].fpy_percent) == (3, 0)
    with tenant(team.agency.id):
        assert "FPY 100 % (3 approved)" in reasons(ranked[0])
    # Without an SOP, every SOP counts: the reworker's other SOP lifts them to 50 %.
    overall = {s.name: s for s in _rank(team, due=DUE)}
    assert overall["Aaron Rework"].fpy_percent == 50


def test_no_history_gets_half_the_quality_points_and_ties_go_by_name(team):
    va(team, "Zoe Same")
    va(team, "Adam Same")
    ranked = _rank(team, due=DUE)
    assert _names(ranked) == ["Adam Same", "Zoe Same"]
    assert ranked[0].score == ranked[1].score
    assert ranked[0].points["quality"] == WEIGHTS["quality"] / 2


def test_eligible_vas_are_active_vas_and_assigned_only_narrows(team):
    on = va(team, "Aaron On")
    off = va(team, "Zelda Off", assigned=False)
    gone = va(team, "Gone Person")
    with tenant(team.agency.id):
        gone.status = "disabled"
    everyone = _rank(team, due=DUE, assigned_only=False)
    ids = {s.membership_id for s in everyone}
    assert on.id in ids and off.id in ids and gone.id not in ids
    assert team.qa.id not in ids and team.owner.id not in ids
    assert {s.name: s.assigned for s in everyone}["Zelda Off"] is False
    narrowed = {s.membership_id for s in _rank(team, due=DUE, assigned_only=True)}
    assert on.id in narrowed and off.id not in narrowed


def test_statements_do_not_grow_with_vas(team, app, count_queries):
    version = sop(team)
    tag("sop", version.sop, "bookkeeping")
    tag("client", team.client, "xero")

    def counted() -> int:
        _rank(team, sop=version.sop, due=DUE)  # warm per-process caches
        with count_queries() as statements:
            _rank(team, sop=version.sop, due=DUE)
        return len(statements)

    first = va(team, "Aaron First")
    tag("member", first, "xero")
    small = counted()
    for i in range(6):
        member = va(team, f"Person {i}", zone="Asia/Manila")
        tag("member", member, "bookkeeping", "xero")
        add_time_off(member, DUE)
        WorkItemFactory(client=team.client, assignee_id=member.id, estimate_minutes=300)
        approved_item(team, member, version, reworked=i % 2 == 0)
    assert counted() == small
    assert small <= 12
