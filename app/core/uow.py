"""Unit of work: views and jobs commit once, then what the commit enqueued is published."""

from __future__ import annotations

from app.core.jobs import publish_committed
from app.extensions import db


def commit() -> None:
    """Commit the business transaction, then publish its outbox jobs (or run them in-process
    on the embedded default). Jobs rolled back with their change never exist."""
    db.session.commit()
    publish_committed(db.session)
