"""Weekly capacity: working hours less approved time off and public holidays, per member's
zone and country, DST-correct; bulk (two statements whatever the number of members)."""

from __future__ import annotations

import datetime as dt

from app.capacity.queries import (
    client_business_intervals_utc,
    overlap_hours_per_day,
    weekly_capacity,
    working_intervals_utc,
)
from app.core.tenancy import tenant
from tests.capacity.support import MONDAY, NIGHT_SHIFT, add_time_off, set_hours
from tests.factories import ClientFactory, MembershipFactory

UTC = dt.UTC


def at(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def _cap(team, member, first=MONDAY, weeks=1):
    with tenant(team.agency.id):
        return weekly_capacity([member.id], first, weeks)


def test_default_week_is_forty_hours(team):
    assert _cap(team, team.va) == {(team.va.id, MONDAY): 40 * 60}


def test_public_holidays_of_the_members_country_are_not_capacity(team):
    set_hours(team.va, zone="Asia/Manila", country="PH")
    set_hours(team.qa, zone="America/Chicago", country="US")
    june8 = dt.date(2026, 6, 8)  # Friday 12 June: Philippine Independence Day
    assert _cap(team, team.va, june8)[(team.va.id, june8)] == 32 * 60
    assert _cap(team, team.qa, june8)[(team.qa.id, june8)] == 40 * 60
    thanksgiving_week = dt.date(2026, 11, 23)
    assert _cap(team, team.qa, thanksgiving_week)[(team.qa.id, thanksgiving_week)] == 32 * 60


def test_approved_time_off_counts_pending_does_not(team):
    add_time_off(team.va, MONDAY, MONDAY + dt.timedelta(days=6))
    add_time_off(team.qa, MONDAY, state="pending")
    add_time_off(team.manager, MONDAY + dt.timedelta(days=1), minutes=120)
    with tenant(team.agency.id):
        caps = weekly_capacity([team.va.id, team.qa.id, team.manager.id], MONDAY, 2)
    assert caps[(team.va.id, MONDAY)] == 0  # the whole week off
    assert caps[(team.va.id, MONDAY + dt.timedelta(days=7))] == 40 * 60
    assert caps[(team.qa.id, MONDAY)] == 40 * 60
    assert caps[(team.manager.id, MONDAY)] == 38 * 60


def test_hours_off_more_than_the_day_never_go_negative(team):
    set_hours(team.va, (((540, 600),),) * 5 + ((), ()))
    add_time_off(team.va, MONDAY, minutes=600)
    assert _cap(team, team.va)[(team.va.id, MONDAY)] == 4 * 60


def test_dst_weeks_keep_local_hours_in_new_york(team):
    set_hours(team.va, zone="America/New_York")
    caps = _cap(team, team.va, MONDAY, 2)
    assert caps[(team.va.id, MONDAY)] == caps[(team.va.id, MONDAY + dt.timedelta(days=7))] == 2400
    with tenant(team.agency.id):
        friday = working_intervals_utc(team.va, at(3, 6), at(3, 7))
        monday = working_intervals_utc(team.va, at(3, 9), at(3, 10))
    assert friday == [(at(3, 6, 14), at(3, 6, 22))]
    assert monday == [(at(3, 9, 13), at(3, 9, 21))]


def test_working_intervals_leave_out_time_off_and_holidays(team):
    set_hours(team.va, zone="Asia/Manila", country="PH")
    add_time_off(team.va, dt.date(2026, 6, 9))
    add_time_off(team.va, dt.date(2026, 6, 10), minutes=60)
    with tenant(team.agency.id):
        got = working_intervals_utc(team.va, at(6, 8), at(6, 13))
        raw = working_intervals_utc(
            team.va,
            at(6, 8),
            at(6, 13),
            absences=False,
        )
    # Monday full, Tuesday off, Wednesday an hour short, Thursday full, Friday a holiday.
    assert [(s.day, s.hour, e.hour) for s, e in got] == [(8, 1, 9), (10, 1, 8), (11, 1, 9)]
    assert len(raw) == 5


def test_client_business_hours_leave_out_the_clients_holidays(team):
    client = ClientFactory(agency=team.agency, time_zone="America/New_York", country="US")
    with tenant(team.agency.id):
        thanksgiving = client_business_intervals_utc(client, at(11, 26), at(11, 27))
        friday = client_business_intervals_utc(client, at(11, 27), at(11, 28))
    assert thanksgiving == []
    assert friday == [(at(11, 27, 14), at(11, 27, 22))]


def test_overlap_of_a_manila_va_with_a_new_york_client_follows_dst(team):
    client = ClientFactory(agency=team.agency, time_zone="America/New_York", country="US")
    set_hours(team.va, NIGHT_SHIFT, zone="Asia/Manila", country="PH")
    set_hours(team.qa, zone="Asia/Manila")
    with tenant(team.agency.id):
        winter = overlap_hours_per_day(team.va, client, dt.date(2026, 3, 4))
        summer = overlap_hours_per_day(team.va, client, dt.date(2026, 3, 11))
        back = overlap_hours_per_day(team.va, client.id, dt.date(2026, 11, 4))
        day_shift = overlap_hours_per_day(team.qa, client, dt.date(2026, 3, 4))
    assert (winter, summer, back) == (8.0, 7.0, 8.0)
    assert day_shift == 0.0


def test_capacity_statements_do_not_grow_with_members(team, count_queries):
    small = [MembershipFactory(agency=team.agency, role="va") for _ in range(2)]
    large = [MembershipFactory(agency=team.agency, role="va") for _ in range(20)]
    for m in large[:5]:
        set_hours(m, zone="Asia/Manila", country="PH")
        add_time_off(m, MONDAY)
    with tenant(team.agency.id):
        weekly_capacity([m.id for m in small], MONDAY, 8)  # warm the holiday cache
        weekly_capacity([m.id for m in large], MONDAY, 8)
        with count_queries() as few:
            weekly_capacity([m.id for m in small], MONDAY, 8)
        with count_queries() as many:
            caps = weekly_capacity([m.id for m in large], MONDAY, 8)
    assert len(few) == len(many) == 2
    assert len(caps) == 20 * 8
    assert caps[(large[0].id, MONDAY)] == 32 * 60
