"""Two requests that make the same client `onboarding` at once, each on its own thread and
PostgreSQL connection, on committed data: one run, one work item, one invitation per contact,
one packet job."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.clients.services import update_client
from app.core.jobs import OutboxJob
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.onboarding.models import OnboardingRun
from app.users.models import Invitation
from app.work.models import WorkItem
from tests.helpers import committed_data, race
from tests.onboarding.support import client_of, make_team, owner_actor

pytestmark = pytest.mark.no_db


@pytest.fixture
def committed(app):
    with committed_data(app) as real:
        yield real


def test_two_requests_at_once_make_one_run(committed):
    team = make_team()
    db.session.commit()

    def request(go) -> str:
        with tenant(team.agency_id):
            actor, client = owner_actor(team), client_of(team)
            go()
            update_client(actor, client, {"status": "onboarding"})
            db.session.commit()
        return "ok"

    results = race(committed, request)
    assert results == ["ok", "ok"], results
    db.session.expire_all()
    with all_tenants():
        runs = db.session.scalar(sa.select(sa.func.count(OnboardingRun.id)))
        items = db.session.scalar(sa.select(sa.func.count(WorkItem.id)))
        invitations = db.session.scalars(sa.select(Invitation.email)).all()
        jobs = db.session.scalar(
            sa.select(sa.func.count(OutboxJob.id)).where(
                OutboxJob.func == "app.onboarding.packet.render_packet"
            )
        )
    assert (runs, items, jobs) == (1, 1, 1)
    assert sorted(invitations) == team.contact_emails


def test_two_starts_at_once_meet_at_the_unique_key(committed):
    """Without the client row in between (a job, a second hook): both see no run, both insert
    engagement 1; the unique key makes the second wait, fail and take the first's run."""
    from app.onboarding.services import start_onboarding

    team = make_team()
    db.session.commit()

    def request(go) -> int:
        with tenant(team.agency_id):
            actor, client = owner_actor(team), client_of(team)
            go()
            run = start_onboarding(actor, client)
            db.session.commit()
            return run.id

    results = race(committed, request)
    assert len(results) == 2 and results[0] == results[1], results
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count(OnboardingRun.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(WorkItem.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 2  # not the login
