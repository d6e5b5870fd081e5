"""Read side of sent mail: the agency's own emails, newest first.

The outbox of emails is not tenant-scoped (a password reset belongs to a person, not an
agency), so every query here filters on the actor's agency explicitly, and password resets
are never listed even if one carried an agency."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.extensions import db

# Emails an owner must never read, whatever agency they were written for.
PRIVATE_KEY_PREFIXES = ("password-reset:",)


def visible_sent_mail(actor: Actor) -> sa.Select:
    """The actor's agency's emails, newest first."""
    stmt = sa.select(OutboundEmail).where(OutboundEmail.agency_id == actor.agency_id)
    for prefix in PRIVATE_KEY_PREFIXES:
        stmt = stmt.where(OutboundEmail.idempotency_key.not_like(f"{prefix}%"))
    return stmt.order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())


def get_sent_email_or_404(actor: Actor, email_id: int) -> OutboundEmail:
    email = db.session.scalar(visible_sent_mail(actor).where(OutboundEmail.id == email_id))
    if email is None:
        raise NotFound()
    return email
