"""The sweep warns at 75 % and flags the breach at 100 %, once each (emails counted), and
the figures (median business hours, breaches per month) on known data, in a number of
statements that does not grow with the messages."""

from __future__ import annotations

import datetime as dt

import time_machine

from app.core.tenancy import tenant
from app.extensions import db
from app.promises.models import ResponseClock
from app.promises.queries import monthly_figures
from app.promises.sweep import sweep_response_clocks
from app.work.services import add_comment
from tests.factories import WorkItemFactory
from tests.promises.support import HOUR, actor, clocks, paris, paris_desk
from tests.work.support import emails


def test_warned_at_75_percent_and_breached_at_100_percent_exactly_once(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Where is the report?"})
        (clock,) = clocks(desk.agency.id)

        traveller.move_to(paris(2026, 11, 16, 14, 59))
        assert sweep_response_clocks() == {"warned": 0, "breached": 0}
        assert emails("promise:") == []

        traveller.move_to(paris(2026, 11, 16, 15))  # 6 of 8 business hours
        assert sweep_response_clocks() == {"warned": 1, "breached": 0}
        warned = emails(f"promise:{clock.id}:warned:")
        # The assigned VA and the owner; not the manager, not an unassigned VA.
        assert sorted(e.to_addr for e in warned) == sorted(
            [desk.va.user.email, desk.owner.user.email]
        )
        traveller.move_to(paris(2026, 11, 16, 16))
        assert sweep_response_clocks() == {"warned": 0, "breached": 0}

        traveller.move_to(paris(2026, 11, 16, 17))
        assert sweep_response_clocks() == {"warned": 0, "breached": 1}
        traveller.move_to(paris(2026, 11, 17, 12))
        assert sweep_response_clocks() == {"warned": 0, "breached": 0}
        assert len(emails("promise:")) == 4
        (clock,) = clocks(desk.agency.id)
        assert clock.warned_at == paris(2026, 11, 16, 15)
        assert clock.breached_at == paris(2026, 11, 16, 17)


def test_a_paused_clock_is_neither_warned_nor_breached(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Question"})
            from app.promises.services import hold_response_clocks

            hold_response_clocks("work_item", item.id, paris(2026, 11, 16, 10))
        traveller.move_to(paris(2026, 11, 18, 12))
        assert sweep_response_clocks() == {"warned": 0, "breached": 0}
        assert emails("promise:") == []


def _clock(desk, received: dt.datetime, hours: float, *, breached: bool = False, va=None):
    with tenant(desk.agency.id):
        n = db.session.query(ResponseClock).count()
        clock = ResponseClock(
            agency_id=desk.agency.id,
            client_id=desk.client.id,
            va_membership_id=(va or desk.va).id,
            thread_kind="work_request",
            thread_id=10_000 + n,
            source_kind="work_request",
            source_id=10_000 + n,
            promised_seconds=8 * HOUR,
            received_at=received,
            state="answered",
            business_seconds=int(hours * HOUR),
            answered_at=received + dt.timedelta(hours=hours),
            breached_at=received + dt.timedelta(hours=8) if breached else None,
        )
        db.session.add(clock)
        db.session.flush()


def test_figures_per_month_median_and_breaches_on_known_data(app, count_queries):
    with time_machine.travel(paris(2026, 11, 20, 12), tick=False):
        desk = paris_desk()
        # October (Paris time): 1, 3 and 10 hours, one breach -> median 3.
        _clock(desk, paris(2026, 10, 5, 9), 1)
        _clock(desk, paris(2026, 10, 6, 9), 3)
        _clock(desk, paris(2026, 10, 7, 9), 10, breached=True)
        # November: 2 and 5 hours -> median 3.5; 1 November 00:30 Paris is still 31 October
        # in UTC, and counts in November (the agency's month).
        _clock(desk, paris(2026, 11, 1, 0, 30), 2)
        _clock(desk, paris(2026, 11, 10, 9), 5, va=desk.other_va)
        # Too old for six months.
        _clock(desk, paris(2026, 4, 10, 9), 40, breached=True)
        with tenant(desk.agency.id):
            months = monthly_figures(
                "Europe/Paris", dt.date(2026, 11, 20), client_id=desk.client.id
            )
            assert [m.month for m in months] == [dt.date(2026, m, 1) for m in range(6, 12)]
            by_month = {m.month.month: (m.answered, m.median_hours, m.breaches) for m in months}
            assert by_month[10] == (3, 3.0, 1)
            assert by_month[11] == (2, 3.5, 0)
            assert by_month[6] == (0, None, 0)
            va = monthly_figures("Europe/Paris", dt.date(2026, 11, 20), va_membership_id=desk.va.id)
            assert va[-1].answered == 1 and va[-1].median_hours == 2.0

            with count_queries() as few:
                monthly_figures("Europe/Paris", dt.date(2026, 11, 20), client_id=desk.client.id)
            for day in range(1, 20):
                _clock(desk, paris(2026, 9, day, 9), day)
            with count_queries() as many:
                monthly_figures("Europe/Paris", dt.date(2026, 11, 20), client_id=desk.client.id)
            assert len(few) == len(many) == 1
