"""Fixtures of the invoice tests: a team with every role, and an owner acting in its agency
(the tenant set, as a request would) for calling services directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.permissions import Actor
from app.core.tenancy import reset_current_agency, set_current_agency
from tests.clients.support import Team, make_team
from tests.helpers import committed_app


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
def speaking(app, team):
    """Signs in the team's owner, whose profile now speaks `locale`: a browser."""

    def sign_in(locale: str):
        from app.extensions import db
        from tests.clients.support import web

        team.owner.user.locale = locale
        db.session.commit()
        return web(app, team.owner)

    return sign_in


@pytest.fixture
def committed(app, database_url):
    """An app sharing the test database whose data is committed for real (each thread
    gets its own connection and session); every table is emptied afterwards."""
    # 25 connections at once: enough for real contention, and leaves room on a
    # PostgreSQL (100 connections) that other test runs share.
    pool = {"pool_size": 25, "max_overflow": 0, "pool_timeout": 60}
    with committed_app(database_url, SQLALCHEMY_ENGINE_OPTIONS=pool) as real:
        yield real
