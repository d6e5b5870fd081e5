"""Who may read the agency's sent mail: its owner, and only in the embedded default (no
SMTP server), where the emails go nowhere else a newcomer could read them."""

from __future__ import annotations

from app.core.permissions import Actor


def can_read_sent_mail(actor: Actor, embedded: bool) -> bool:
    """Owners, when Baton runs without an SMTP server (`embedded`). With a real server the
    emails reach their inboxes, and invitation links are for the invitee's eyes only."""
    return embedded and actor.role == "owner"
