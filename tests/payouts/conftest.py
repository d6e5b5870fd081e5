"""Fixtures of the payout tests: the time tests' frozen clock (Wednesday 11 March 2026) and
team (a VA assigned to two clients), run as the team's agency."""

from __future__ import annotations

import pytest

from tests.time.conftest import frozen, tt  # noqa: F401 - fixtures


@pytest.fixture
def in_agency(tt):  # noqa: F811
    from app.core.tenancy import tenant

    with tenant(tt.agency.id):
        yield tt
