"""Fixtures of the SOP tests: a team with every role (see tests/clients/support.py)."""

from __future__ import annotations

import pytest

from tests.clients.support import Team, make_team


@pytest.fixture
def team() -> Team:
    return make_team()


@pytest.fixture
def other() -> Team:
    """A second agency, whose ids must never work in the first one."""
    return make_team()
