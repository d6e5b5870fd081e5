"""Test fixtures: a real PostgreSQL database migrated once per session with Alembic, each
test inside a transaction that is rolled back, and real Redis for rate limits."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

PG_ADMIN = os.environ.get("BATON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

CLOCKSHIFT_DIR = os.path.join(os.path.dirname(__file__), "clockshift")


_TARGET: list[dt.datetime | None] = []


def _moved_clock_target() -> dt.datetime | None:
    """The run's moved clock: BATON_TEST_CLOCK is an ISO date-time (UTC when no offset is
    given) or "+<days>d" from today. Unset: the real clock. Read once per run."""
    if not _TARGET:
        _TARGET.append(_parse_clock())
    return _TARGET[0]


def _parse_clock() -> dt.datetime | None:
    value = os.environ.get("BATON_TEST_CLOCK", "").strip()
    if not value:
        return None
    if value.startswith("+") and value.endswith("d"):
        return dt.datetime.now(dt.UTC) + dt.timedelta(days=float(value[1:-1]))
    when = dt.datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def pytest_configure(config) -> None:
    """With BATON_TEST_CLOCK set, the whole run (and every process it starts, through
    tests/clockshift/sitecustomize.py) lives at that moment, with the clock ticking. Tests
    that freeze their own time still do; the rest prove they do not depend on today."""
    target = _moved_clock_target()
    if target is None:
        return
    import time_machine

    offset = (target - dt.datetime.now(dt.UTC)).total_seconds()
    os.environ["BATON_TEST_CLOCK_OFFSET"] = str(offset)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (CLOCKSHIFT_DIR, os.environ.get("PYTHONPATH")) if p
    )
    traveller = time_machine.travel(target, tick=True)
    traveller.start()
    config._baton_clock = traveller


def subprocess_pythonpath(root: object) -> str:
    """PYTHONPATH for a process a test starts: the checkout, plus the clock mover when this
    run's clock is moved (so the worker lives at the same moment as the test)."""
    parts = [str(root)]
    if _moved_clock_target() is not None:
        parts.insert(0, CLOCKSHIFT_DIR)
    return os.pathsep.join(parts)


def pytest_report_header(config) -> str | None:
    target = _moved_clock_target()
    return f"clock moved to {target.isoformat()} (BATON_TEST_CLOCK)" if target else None


REDIS_URL = os.environ.get("BATON_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _db_name() -> str:
    # Unique per run, so parallel runs (xdist workers, several checkouts) never collide.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"baton_test_{worker}_{os.getpid()}"


def _recreate_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = _db_name()
    _recreate_database(name)
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    from app.extensions import db

    with contextlib.suppress(RuntimeError):
        db.engine.dispose()
    _drop_database(name)


@pytest.fixture(scope="session")
def storage_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("storage"))


@pytest.fixture(scope="session")
def app(database_url: str, storage_dir: str):
    from flask_migrate import upgrade

    from app import create_app

    run = uuid.uuid4().hex[:8]
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "REDIS_URL": None,
            "SMTP_URL": None,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": f"baton-test-{run}",
            # limiter.reset() deletes every key under the storage prefix: keep it per run,
            # or parallel runs sharing this Redis wipe each other's counters mid-test.
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"LIMITS-test-{run}"},
            "SERVER_NAME": None,
            "STORAGE_DIR": storage_dir,
            # Cheap argon2 in tests only; production keeps the RFC 9106 profile.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 8192,
        }
    )
    with app.app_context():
        upgrade()
    from flask import request_started

    request_started.connect(_fresh_g_per_request, app, weak=False)
    return app


def _fresh_g_per_request(sender, **extra) -> None:
    """Tests keep one app context open across requests, so Flask would share `g` between
    them (and Flask-Login's cached user with it: a second test client would be signed in as
    the first). Give every request its own `g`, as in production."""
    from flask.globals import _cv_app

    _cv_app.get().g = sender.app_ctx_globals_class()


@pytest.fixture(autouse=True)
def _db(request, app) -> Iterator[None]:
    """Every test runs in one outer transaction that is rolled back at the end."""
    if request.node.get_closest_marker("no_db"):
        yield
        return
    from app.extensions import db, limiter

    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    limiter.reset()
    try:
        yield
    finally:
        db.session.remove()
        db.session.configure(bind=None)
        outer.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """Counts SQL statements run inside the `with` block: `with count_queries() as n: ...`."""
    import contextlib

    from app.extensions import db

    @contextlib.contextmanager
    def counter():
        statements: list[str] = []

        def on_execute(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", on_execute)

    return counter
