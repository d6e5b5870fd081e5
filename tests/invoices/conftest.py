"""Fixtures of the invoice tests: a team with every role, and an owner acting in its agency
(the tenant set, as a request would) for calling services directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.core.permissions import Actor
from app.core.tenancy import reset_current_agency, set_current_agency
from app.extensions import db
from tests.clients.support import Team, make_team


@pytest.fixture
def team() -> Team:
    return make_team()


@pytest.fixture
def other() -> Team:
    """A second agency, whose ids must never work in the first one."""
    return make_team()


@pytest.fixture
def owner(team) -> Iterator[Actor]:
    """The team's owner as an actor, with the tenant set for the whole test."""
    token = set_current_agency(team.agency.id)
    try:
        yield Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
    finally:
        reset_current_agency(token)


@pytest.fixture
def committed(app, database_url):
    """An app sharing the test database whose data is committed for real (each thread
    gets its own connection and session); every table is emptied afterwards."""
    from app import create_app

    real = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            # 25 connections at once: enough for real contention, and leaves room on a
            # PostgreSQL (100 connections) that other test runs share.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 0, "pool_timeout": 60},
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    ctx = real.app_context()
    ctx.push()
    try:
        yield real
    finally:
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
        ctx.pop()
