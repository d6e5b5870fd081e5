"""Read side of digests: a client's pause, its history, one digest, the agency's schedule."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.permissions import Actor
from app.digests.models import ClientDigest, DigestPause, DigestSettings
from app.extensions import db

HISTORY_LIMIT = 10


def digest_pause(client: Client) -> DigestPause | None:
    return db.session.scalar(sa.select(DigestPause).where(DigestPause.client_id == client.id))


def is_paused(client: Client) -> bool:
    pause = digest_pause(client)
    return pause is not None and pause.paused


def client_history(client: Client, limit: int = HISTORY_LIMIT) -> list[ClientDigest]:
    return list(
        db.session.scalars(
            sa.select(ClientDigest)
            .where(ClientDigest.client_id == client.id)
            .order_by(ClientDigest.week_start.desc())
            .limit(limit)
        )
    )


def get_digest_or_404(actor: Actor, client: Client, digest_id: int) -> ClientDigest:
    """One digest of a client the actor may already see (the client was loaded first)."""
    digest = db.session.scalar(
        sa.select(ClientDigest).where(
            ClientDigest.id == digest_id, ClientDigest.client_id == client.id
        )
    )
    if digest is None:
        raise NotFound()
    return digest


def digest_settings() -> DigestSettings | None:
    return db.session.scalar(sa.select(DigestSettings))
