"""Two sweeps racing on committed data through their own PostgreSQL connections: each
clock's warning and breach notices are queued once, whoever wins."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.promises.services import start_response_clock
from app.promises.sweep import sweep_response_clocks
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    MembershipFactory,
)
from tests.helpers import committed_data, race
from tests.promises.support import paris

pytestmark = pytest.mark.no_db


@pytest.fixture
def committed(app):
    with committed_data(app) as real:
        yield real


def _race(app, now, runs: int = 2) -> list:
    def sweep(go) -> dict:
        go()
        return sweep_response_clocks(now)

    return race(app, sweep, runs=runs)


def _emails() -> list[str]:
    db.session.expire_all()
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail.idempotency_key).where(
                    OutboundEmail.idempotency_key.like("promise:%")
                )
            )
        )


def test_two_sweeps_racing_send_each_notice_once(committed):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False):
        agency = AgencyFactory(time_zone="Europe/Paris")
        MembershipFactory(agency=agency, role="owner")
        ids = []
        for n in range(5):
            client = ClientFactory(agency=agency, response_time_hours=8)
            AssignmentFactory(client=client, membership=MembershipFactory(agency=agency, role="va"))
            with tenant(agency.id):
                ids.append(
                    start_response_clock(
                        client.id, "work_request", 500 + n, paris(2026, 11, 16, 9)
                    ).id
                )
        db.session.commit()

    warned = _race(committed, paris(2026, 11, 16, 15))
    assert not [r for r in warned if isinstance(r, Exception)], warned
    assert sum(r["warned"] for r in warned) == 5
    assert len(_emails()) == 10  # VA and owner for each of the five clocks

    breached = _race(committed, paris(2026, 11, 16, 17))
    assert not [r for r in breached if isinstance(r, Exception)], breached
    assert sum(r["breached"] for r in breached) == 5
    keys = _emails()
    assert len(keys) == len(set(keys)) == 20
