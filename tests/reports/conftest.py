"""Fixtures of the report tests: a frozen clock and the month of entries of support.py."""

from __future__ import annotations

import pytest
import time_machine

from tests.reports.support import World, make_world
from tests.time.support import NOW


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(frozen) -> World:
    return make_world()
