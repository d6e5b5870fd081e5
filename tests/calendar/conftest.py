"""Fixtures of the calendar tests: a frozen clock and a team (tests.calendar.support)."""

from __future__ import annotations

import pytest
import time_machine

from tests.calendar.support import NOW, CalTeam, make_cal_team


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ct(frozen) -> CalTeam:
    return make_cal_team()
