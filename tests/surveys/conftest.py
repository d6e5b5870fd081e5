"""Fixtures of the survey tests."""

from __future__ import annotations

import pytest

from tests.helpers import committed_app


@pytest.fixture
def committed(app, database_url):
    """An app sharing the test database whose data is committed for real (each thread gets
    its own connection and session); every table is emptied afterwards."""
    pool = {"pool_size": 10, "max_overflow": 0, "pool_timeout": 60}
    with committed_app(database_url, SQLALCHEMY_ENGINE_OPTIONS=pool) as real:
        yield real
