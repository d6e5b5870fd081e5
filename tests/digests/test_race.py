"""Two sweeps at once, each on its own thread and PostgreSQL connection, on committed data:
one digest and one email per contact."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.digests.models import ClientDigest
from app.digests.sweep import sweep_client_digests
from app.extensions import db
from tests.factories import AgencyFactory, ClientFactory, ContactFactory
from tests.helpers import committed_data, race

pytestmark = pytest.mark.no_db

SEND = dt.datetime(2026, 3, 16, 13, 5, tzinfo=dt.UTC)  # Monday 09:05 in New York


@pytest.fixture
def committed(app):
    with committed_data(app) as real:
        yield real


def test_two_sweeps_racing_send_one_digest_and_one_email_per_contact(committed):
    agency = AgencyFactory()
    clients = [ClientFactory(agency=agency, time_zone="America/New_York") for _ in range(3)]
    for client in clients:
        ContactFactory(client=client, email=f"a{client.id}@c.test")
        ContactFactory(client=client, email=f"b{client.id}@c.test")
    db.session.commit()

    def sweep(go) -> dict:
        with time_machine.travel(SEND, tick=False):
            go()
            return sweep_client_digests()

    results = race(committed, sweep)
    assert len(results) == 2 and all(isinstance(r, dict) for r in results), results
    assert sum(r["digests"] for r in results) == 3
    db.session.expire_all()
    with all_tenants():
        digests = db.session.scalar(sa.select(sa.func.count()).select_from(ClientDigest))
        keys = db.session.scalars(
            sa.select(OutboundEmail.idempotency_key).where(
                OutboundEmail.idempotency_key.like("digest:%")
            )
        ).all()
    assert digests == 3
    assert len(keys) == 6 == len(set(keys))
