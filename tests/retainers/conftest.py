"""Fixtures of the hour bank tests: a team (every role, a client with a portal contact, a
VA assigned), a frozen clock in the middle of March 2026, and the owner acting in the
agency (tenant set) for the services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from app.core.permissions import Actor
from app.core.tenancy import reset_current_agency, set_current_agency
from tests.clients.support import Team, make_team
from tests.retainers.support import NOW


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(frozen) -> Team:
    return make_team()


@pytest.fixture
def other(frozen) -> Team:
    """A second agency, whose ids must never work in the first one."""
    return make_team()


@pytest.fixture
def owner(team) -> Iterator[Actor]:
    token = set_current_agency(team.agency.id)
    try:
        yield Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
    finally:
        reset_current_agency(token)
