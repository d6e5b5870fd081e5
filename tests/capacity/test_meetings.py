"""Recurring client meetings: proposals from the overlap of the primary VA's hours and the
client's business hours, and occurrences that keep the client's wall-clock time across both
zones' DST changes (flagged when they leave the VA's hours)."""

from __future__ import annotations

import datetime as dt

from app.capacity.meetings import meeting_occurrences, propose_slots
from app.capacity.models import MeetingSlot
from app.capacity.queries import client_profile, profile
from app.core.tenancy import tenant
from app.extensions import db
from tests.capacity.support import NIGHT_SHIFT, set_hours
from tests.factories import AssignmentFactory, ClientFactory, MembershipFactory

UTC = dt.UTC


def at(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def _setup(team):
    client = ClientFactory(agency=team.agency, time_zone="America/New_York", country="US")
    set_hours(team.va, NIGHT_SHIFT, zone="Asia/Manila", country="PH")
    AssignmentFactory(client=client, membership=team.va)
    return client


def test_proposals_are_the_first_slots_inside_both_all_year(team):
    client = _setup(team)
    with tenant(team.agency.id):
        got = propose_slots(profile(team.va), client_profile(client), dt.date(2026, 3, 5))
    # 09:00 and 09:30 New York fit in winter only (before the VA's 22:00 Manila start once
    # New York springs forward): 10:00 is the first slot that fits all year.
    assert [(p.weekday, p.start_minute) for p in got] == [(0, 600), (0, 630), (0, 660)]
    assert all(p.always_fits for p in got)
    first = got[0]
    assert first.next_start_utc == at(3, 9, 14)  # EDT already
    assert (first.va_weekday, first.va_start_minute) == (0, 22 * 60)


def test_a_winter_only_slot_is_proposed_last_and_flagged(team):
    client = _setup(team)
    with tenant(team.agency.id):
        got = propose_slots(
            profile(team.va), client_profile(client), dt.date(2026, 3, 1), count=200
        )
    # On Monday 2 March (still EST) 09:00 New York is 22:00 in Manila: it fits that week,
    # but not after 8 March, so it comes after every slot that fits all year.
    nine = next(p for p in got if (p.weekday, p.start_minute) == (0, 540))
    assert not nine.always_fits
    assert all(p.always_fits for p in got[: got.index(nine)])
    assert got.index(nine) > 3


def test_occurrences_keep_the_clients_time_and_flag_the_vas_hours(team):
    client = _setup(team)
    with tenant(team.agency.id):
        db.session.add(
            MeetingSlot(
                client_id=client.id,
                membership_id=team.va.id,
                weekday=0,
                start_minute=540,
                duration_minutes=30,
                active=True,
            )
        )
        db.session.flush()
        march = meeting_occurrences(at(3, 1), at(3, 15))
        november = meeting_occurrences(
            at(10, 26),
            at(11, 3),
            client_ids=[client.id],
            membership_ids=[team.va.id],
        )
        nobody = meeting_occurrences(
            at(3, 1),
            at(3, 15),
            membership_ids=[team.qa.id],
        )
    assert [(o.starts_at, o.outside_va_hours) for o in march] == [
        (at(3, 2, 14), False),  # 09:00 EST = 22:00 Manila
        (at(3, 9, 13), True),  # 09:00 EDT = 21:00 Manila
    ]
    assert march[0].ends_at - march[0].starts_at == dt.timedelta(minutes=30)
    assert [(o.starts_at, o.outside_va_hours) for o in november] == [
        (at(10, 26, 13), True),
        (at(11, 2, 14), False),  # New York fell back on 1 Nov
    ]
    assert nobody == []


def test_occurrence_statements_do_not_grow_with_slots(team, count_queries):
    clients = [ClientFactory(agency=team.agency) for _ in range(20)]
    vas = [MembershipFactory(agency=team.agency, role="va") for _ in range(20)]
    with tenant(team.agency.id):
        for i, (client, va) in enumerate(zip(clients, vas, strict=True)):
            db.session.add(
                MeetingSlot(
                    client_id=client.id,
                    membership_id=va.id,
                    weekday=i % 5,
                    start_minute=600,
                    duration_minutes=30,
                    active=True,
                )
            )
        db.session.flush()
        start, end = at(3, 1), at(4, 1)
        with count_queries() as few:
            small = meeting_occurrences(start, end, client_ids=[c.id for c in clients[:2]])
        with count_queries() as many:
            large = meeting_occurrences(start, end)
    assert len(few) == len(many) == 3
    assert len(large) > len(small) > 0
