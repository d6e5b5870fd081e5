"""The reminder to submit: Friday from 15:00 in each person's own zone, through the outbox,
exactly once per person and week (a second sweep, or a second clock, sends nothing)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.core.mail import OutboundEmail
from app.core.schedule import PERIODIC
from app.core.tenancy import all_tenants
from app.extensions import db
from app.timesheets.reminders import reminder_key, sweep_timesheet_reminders
from tests.clients.support import make_team
from tests.factories import MembershipFactory
from tests.timesheets.support import add_entry

FRIDAY = dt.date(2026, 3, 13)
WEEK = dt.date(2026, 3, 9)


def _at(hour: int, minute: int = 0, day: dt.date = FRIDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _sent(team) -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(
                    OutboundEmail.agency_id == team.agency.id,
                    OutboundEmail.idempotency_key.like("timesheet:reminder:%"),
                )
                .order_by(OutboundEmail.id)
            )
        )


def _team(va_zone: str = "UTC"):
    team = make_team()
    team.va.user.time_zone = va_zone
    for m in (team.owner, team.manager):
        m.user.time_zone = "UTC"
    db.session.flush()
    return team


def _sweep(when: dt.datetime) -> dict:
    with time_machine.travel(when, tick=False):
        return sweep_timesheet_reminders()


def test_the_sweep_is_a_periodic_job():
    assert any(p.func.endswith("sweep_timesheet_reminders") for p in PERIODIC)


def test_friday_15_00_in_the_vas_zone_exactly_once(app):
    team = _team("UTC")
    _sweep(_at(14, 59))
    assert _sent(team) == []
    _sweep(_at(15, 0))
    _sweep(_at(15, 15))  # the next quarter hour: nothing again
    _sweep(_at(15, 15))  # a second clock in the same slot: nothing again
    sent = _sent(team)
    assert [e.to_addr for e in sent] == [team.va.user.email]
    assert sent[0].idempotency_key == reminder_key(team.va.id, WEEK)
    assert f"week={WEEK.isoformat()}" in sent[0].text_body


def test_zones_ahead_and_behind(app):
    manila, new_york = _team("Asia/Manila"), _team("America/New_York")
    # Friday 15:00 in Manila is 07:00 UTC; in New York (summer time since 8 March) 19:00 UTC.
    _sweep(_at(6, 55))
    assert _sent(manila) == [] and _sent(new_york) == []
    _sweep(_at(7, 0))
    assert len(_sent(manila)) == 1 and _sent(new_york) == []
    _sweep(_at(18, 55))
    assert _sent(new_york) == []
    _sweep(_at(19, 0))
    assert len(_sent(new_york)) == 1 and len(_sent(manila)) == 1
    # Saturday 00:30 in Manila is no longer Friday: nothing new there, ever.
    _sweep(_at(16, 30))
    assert len(_sent(manila)) == 1


def test_a_submitted_week_gets_no_reminder_and_managers_only_when_they_tracked(app):
    from tests.clients.support import api

    team = _team("UTC")
    other_va = MembershipFactory(agency=team.agency, role="va")
    other_va.user.time_zone = "UTC"
    db.session.flush()

    class TT:  # add_entry's view of a team
        agency = team.agency
        client_id = team.client.id
        va = other_va

    add_entry(TT, WEEK, member=other_va)
    add_entry(TT, WEEK, member=team.manager)
    with time_machine.travel(_at(12), tick=False):
        assert api(app, other_va).post("/timesheets/submit", json={}).status_code == 201
    _sweep(_at(15, 0))
    assert sorted(e.to_addr for e in _sent(team)) == sorted(
        [team.va.user.email, team.manager.user.email]
    )
