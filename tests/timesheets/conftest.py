"""Fixtures of the timesheet tests: the time tests' frozen clock (Wednesday 11 March 2026)
and team (a VA assigned to two clients)."""

from __future__ import annotations

from tests.time.conftest import frozen, tt  # noqa: F401 - fixtures
