"""Fixtures of the user-interface tests."""

from __future__ import annotations

import pytest

from tests.work.support import Desk, make_desk


@pytest.fixture
def desk() -> Desk:
    """An agency with every role, a client and its SOPs (see tests.work.support)."""
    return make_desk()
