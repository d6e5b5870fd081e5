"""Fixtures of the invoice tests: a team with every role, and an owner acting in its agency
(the tenant set, as a request would) for calling services directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.permissions import Actor
from app.core.tenancy import reset_current_agency, set_current_agency
from tests.clients.support import Team, make_team


@pytest.fixture
def team() -> Team:
    return make_team()


@pytest.fixture
def other() -> Team:
    """A second agency, whose ids must never work in the first one."""
    return make_team()


@pytest.fixture
def owner(team) -> Iterator[Actor]:
    """The team's owner as an actor, with the tenant set for the whole test."""
    token = set_current_agency(team.agency.id)
    try:
        yield Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
    finally:
        reset_current_agency(token)
