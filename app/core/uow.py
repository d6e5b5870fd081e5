"""Unit of work: views and jobs commit once, then side effects of the commit run."""

from __future__ import annotations

from app.core.mail import flush_committed_emails
from app.extensions import db


def commit() -> None:
    """Commit the business transaction, then deliver the emails it queued."""
    db.session.commit()
    flush_committed_emails(db.session)
