"""Unit of work: views and jobs commit once, then what the commit enqueued is published."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from app.core.jobs import publish_committed
from app.extensions import db


@dataclass
class HeldCommit:
    """What happened to commits while they were held: did the view ask for one?"""

    requested: bool = False


_held: ContextVar[HeldCommit | None] = ContextVar("baton_held_commit", default=None)


def commit() -> None:
    """Commit the business transaction, then publish its outbox jobs (or run them in-process
    on the embedded default). Jobs rolled back with their change never exist.

    Inside `held_commit()` this only flushes (and expires, as a commit would): the caller
    commits once at the end, so a write and what it must commit with (the idempotency
    claim and its stored answer) are one transaction."""
    held = _held.get()
    if held is not None:
        db.session.flush()
        # Expire as a commit would (the view reads back what it wrote), except the outbox
        # rows: their ids are read after the real commit, when no SQL may run.
        keep = {id(row) for row in db.session.info.get("baton_jobs", ())}
        for obj in list(db.session.identity_map.values()):
            if id(obj) not in keep:
                db.session.expire(obj)
        held.requested = True
        return
    db.session.commit()
    publish_committed(db.session)


@contextlib.contextmanager
def held_commit() -> Iterator[HeldCommit]:
    """Hold the view's `commit()` until the block ends; the caller then calls `commit()`."""
    held = HeldCommit()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)
