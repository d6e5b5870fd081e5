"""Fixtures of the work-screen tests: a team with a client the VA is assigned to, another
client they are not on, an SOP, and signed-in browsers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.sops.models import SopVersion
from tests.clients.support import Team, make_team
from tests.factories import AssignmentFactory, ClientFactory
from tests.work_screens.support import make_sop


@dataclass
class Shop:
    team: Team
    other_client_id: int
    version: SopVersion

    @property
    def slug(self) -> str:
        return self.team.slug


@pytest.fixture
def shop(app) -> Shop:
    team = make_team()
    AssignmentFactory(client=team.client, membership=team.va)
    other = ClientFactory(agency=team.agency, name="Lumen Dental", time_zone="Asia/Tokyo")
    return Shop(
        team=team, other_client_id=other.id, version=make_sop(team.agency.id, "Weekly report")
    )
