"""Fixtures of the users tests: one agency with a member of every role, and another agency."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.extensions import db
from tests.factories import AgencyFactory, ClientFactory
from tests.helpers import committed_app, member


@pytest.fixture
def team():
    """An agency (with a client) and an active owner, manager, VA, QA and client login."""
    agency = AgencyFactory(name="Cedar Desk")
    client = ClientFactory(agency=agency, name="Nile Bakery")
    ns = SimpleNamespace(
        agency=agency,
        owner=member(agency, "owner"),
        manager=member(agency, "manager"),
        va=member(agency, "va", title="Inbox VA", cost_rate_minor=1250, cost_currency="USD"),
        qa=member(agency, "qa"),
        client_login=member(agency, "client", client_id=client.id),
        # Plain ids: a Client re-read outside its agency would load its contacts too.
        client_id=client.id,
    )
    # Commit the set-up (inside the test's outer transaction) so a view that rolls back
    # its own failed work never takes the set-up with it.
    db.session.commit()
    return ns


@pytest.fixture
def other():
    """A second agency with its own owner and client."""
    agency = AgencyFactory(name="Other Agency")
    ns = SimpleNamespace(
        agency=agency,
        owner=member(agency, "owner"),
        va=member(agency, "va"),
        client_id=ClientFactory(agency=agency, name="Elsewhere Ltd").id,
    )
    db.session.commit()
    return ns


@pytest.fixture
def committed(app, database_url):
    """An app on the test database whose data is committed for real (every request gets its
    own connection, so requests run truly at once); every table is emptied afterwards."""
    pool = {"pool_size": 12, "max_overflow": 0, "pool_timeout": 60}
    with committed_app(database_url, SQLALCHEMY_ENGINE_OPTIONS=pool) as real:
        yield real
