"""Fixtures of the suggestions tests: the frozen clock and a team."""

from __future__ import annotations

import pytest
import time_machine

from tests.capacity.support import NOW
from tests.clients.support import make_team


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(frozen):
    return make_team(time_zone="UTC")
