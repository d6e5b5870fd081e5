"""Fixtures of the work item tests."""

from __future__ import annotations

import pytest

from tests.work.support import Desk, make_desk


@pytest.fixture
def desk() -> Desk:
    return make_desk()


@pytest.fixture
def other() -> Desk:
    """A second agency, whose ids must never work in the first one."""
    return make_desk()
