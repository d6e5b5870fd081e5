"""The quarterly NPS question: once per client and calendar quarter (client's zone), to
active clients, whatever the number of clocks, and after an outage."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.schedule import PERIODIC
from app.core.tenancy import all_tenants
from app.extensions import db
from app.surveys.models import Survey
from app.surveys.sending import quarter_of, sweep_nps
from tests.factories import AgencyFactory, ClientFactory, ContactFactory
from tests.helpers import race
from tests.surveys.support import survey_emails, surveys

Q4 = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)


def _clients(n: int = 2, **kw) -> list[int]:
    agency = AgencyFactory(name="Northwind VA")
    out = []
    for _ in range(n):
        client = ClientFactory(agency=agency, **kw)
        ContactFactory(client=client)
        out.append(client.id)
    return out  # ids: the sweep commits, which expires the objects


def test_the_clock_runs_the_sweep():
    assert any(p.func == "app.surveys.sending.sweep_nps" for p in PERIODIC)


def test_once_per_client_and_quarter_whatever_the_clocks():
    clients = _clients(2)
    assert sweep_nps(Q4)["created"] == 2
    # a second clock, one skewed by an hour, and the same clock a month later
    for now in (Q4, Q4 + dt.timedelta(hours=1), Q4 + dt.timedelta(days=31)):
        assert sweep_nps(now)["created"] == 0
    found = surveys()
    assert sorted(s.client_id for s in found) == sorted(clients)
    assert {s.period for s in found} == {"2026Q4"}
    assert len(survey_emails()) == 2
    assert "recommend Northwind VA" in survey_emails()[0].subject + survey_emails()[0].text_body
    # the next quarter asks again
    assert sweep_nps(dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC))["created"] == 2
    assert len(surveys()) == 4


def test_after_an_outage_the_current_quarter_is_sent_and_a_missed_one_is_not():
    _clients(1)
    # the clock was down from before Q4 until 40 days into it: the sweep catches up
    assert sweep_nps(Q4 + dt.timedelta(days=40))["created"] == 1
    # down for the whole of 2027Q1: back in Q2, only Q2 is asked
    assert sweep_nps(dt.datetime(2027, 4, 20, tzinfo=dt.UTC))["created"] == 1
    assert [s.period for s in surveys()] == ["2026Q4", "2027Q2"]


def test_the_quarter_is_the_clients():
    tokyo = _clients(1, time_zone="Asia/Tokyo")[0]
    new_york = _clients(1, time_zone="America/New_York")[0]
    now = dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC)  # 01:00 on 1 January in Tokyo
    assert quarter_of(now, "Asia/Tokyo") == "2027Q1"
    sweep_nps(now)
    periods = {s.client_id: s.period for s in surveys()}
    assert periods == {tokyo: "2027Q1", new_york: "2026Q4"}


def test_only_active_clients_with_an_email_are_asked():
    active = _clients(1)[0]
    _clients(1, status="paused")
    ClientFactory(agency=AgencyFactory())  # active, but nobody to write to
    result = sweep_nps(Q4)
    assert result == {"created": 1, "no_contacts": 1}
    assert [s.client_id for s in surveys()] == [active]


@pytest.mark.no_db
def test_concurrent_sweeps_ask_each_client_once(committed):
    _clients(3)
    db.session.commit()

    def sweep(go) -> dict:
        go()
        return sweep_nps(Q4)

    results = race(committed, sweep, runs=3)
    assert len(results) == 3 and all(isinstance(r, dict) for r in results), results
    assert sum(r["created"] for r in results) == 3
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 3
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like("survey:%"))
            )
            == 3
        )
