"""Fixtures of the time tests: a frozen clock and a team with a VA assigned to two clients."""

from __future__ import annotations

import pytest
import time_machine

from tests.time.support import NOW, TimeTeam, make_time_team


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tt(frozen) -> TimeTeam:
    return make_time_team()
