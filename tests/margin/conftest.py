"""Fixtures of the margin tests: the time tests' frozen clock (11 March 2026) and team."""

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


@pytest.fixture
def in_agency(tt):
    from app.core.tenancy import tenant

    with tenant(tt.agency.id):
        yield tt
