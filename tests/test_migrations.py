"""Migrations are the only way a schema is made: one head, they build exactly the models'
tables on an empty PostgreSQL (and SQLite) database, they match the models (no drift), and
they go down to nothing and up again. Each test uses its own scratch database."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import _migrations_dir, create_app
from app.extensions import db
from tests.conftest import PG_ADMIN

pytestmark = pytest.mark.no_db


def _admin(sql: str, *params) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql, params or None)


@contextlib.contextmanager
def scratch_app(url: str) -> Iterator:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"baton_migrations_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        _admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", name)
        _admin(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.db'}"


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _model_tables() -> set[str]:
    return set(db.metadata.tables)


def _drift() -> list:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        return compare_metadata(ctx, db.metadata)


def _head_revision() -> str:
    return ScriptDirectory(str(_migrations_dir())).get_current_head()


def _db_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_single_head():
    heads = ScriptDirectory(str(_migrations_dir())).get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"


def test_every_revision_has_a_message_and_a_downgrade():
    script = ScriptDirectory(str(_migrations_dir()))
    for rev in script.walk_revisions():
        assert rev.doc and rev.doc.strip(), f"migration {rev.revision} has no message"
        assert "def downgrade" in Path(rev.path).read_text(encoding="utf-8"), rev.path


def test_postgresql_upgrade_builds_exactly_the_models_without_drift(pg_url):
    with scratch_app(pg_url):
        assert _tables() == set()
        upgrade()
        assert _db_revision() == _head_revision()
        assert _tables() == _model_tables()
        drift = _drift()
        assert drift == [], "models and migrations differ; add a migration:\n" + "\n".join(
            map(str, drift)
        )


def test_postgresql_downgrade_to_base_and_up_again(pg_url):
    with scratch_app(pg_url):
        upgrade()
        downgrade(revision="base")
        assert _tables() == set()
        assert _db_revision() is None
        upgrade()
        assert _tables() == _model_tables()
        assert _drift() == []


def test_sqlite_upgrade_builds_the_models_and_goes_down_again(sqlite_url):
    with scratch_app(sqlite_url):
        upgrade()
        assert _db_revision() == _head_revision()
        assert _tables() == _model_tables()
        downgrade(revision="base")
        assert _tables() == set()
        upgrade()
        assert _tables() == _model_tables()
