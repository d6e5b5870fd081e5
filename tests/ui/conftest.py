"""Fixtures of the user-interface tests."""

from __future__ import annotations

import pytest

from tests.work.support import Desk, make_desk


@pytest.fixture
def desk() -> Desk:
    """An agency with every role, a client and its SOPs (see tests.work.support)."""
    return make_desk()


@pytest.fixture
def team():
    """An agency with every role and a client (see tests.clients.support)."""
    from tests.clients.support import make_team

    return make_team()
