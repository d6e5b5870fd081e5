"""Database plumbing: the session class, timestamp helpers and column types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator


class BatonSession(FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit `bind` (a test's outer transaction) wins."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite has no tz support)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Baton stores aware UTC datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def values_table(
    name: str,
    columns: Sequence[tuple[str, sa.types.TypeEngine]],
    rows: Sequence[Sequence[Any]],
    dialect: str,
) -> sa.FromClause:
    """A small table of literal rows to join against, named `name` with `columns`
    ((name, type) pairs): a VALUES list with named columns, or on SQLite (which cannot name
    a VALUES list's columns) a SELECT renaming its column1, column2, ... `rows` must not be
    empty."""
    if not rows:
        raise ValueError("A values table needs at least one row.")
    if dialect != "sqlite":
        return sa.values(*(sa.column(n, t) for n, t in columns), name=name).data(list(rows))
    params, tuples = [], []
    for r, row in enumerate(rows):
        keys = []
        for c, ((_n, type_), value) in enumerate(zip(columns, row, strict=True)):
            key = f"{name}_{r}_{c}"
            params.append(sa.bindparam(key, value, type_=type_))
            keys.append(f":{key}")
        tuples.append("(" + ", ".join(keys) + ")")
    renamed = ", ".join(f"column{i + 1} AS {n}" for i, (n, _t) in enumerate(columns))
    text = sa.text(f"SELECT {renamed} FROM (VALUES {', '.join(tuples)})")  # noqa: S608 - names are ours, values bound
    return text.bindparams(*params).columns(*(sa.column(n, t) for n, t in columns)).subquery(name)


def among(column: sa.ColumnElement, ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """`column IN ids` for a long list of ids (a team of a few hundred): on PostgreSQL one
    array parameter (`column = ANY(:ids)`), so the statement's text stays the same whatever
    the number of ids and the driver sends one value, not one placeholder per id; an IN
    list elsewhere."""
    from app.extensions import db  # the session's engine decides (imported late: a cycle)

    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(list(ids), postgresql.ARRAY(sa.Integer())))
    return column.in_(list(ids))
