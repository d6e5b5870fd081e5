"""Read side of the vault: which stored logins an actor may see, and their activity.

Entries are visible where their client is (app.clients.queries.visible_clients); the policy
then says whether this viewer may use the client's logins (403) or not see them at all (404
through the client). The tenant filter is added by the data layer on top.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import NotFound

from app.audit.models import AuditEvent
from app.clients.models import Assignment, Client
from app.clients.queries import visible_clients
from app.core.permissions import Actor
from app.extensions import db
from app.vault.models import VaultEntry

# Audit actions of the vault (app.vault.services records them).
VAULT_ACTIONS = (
    "vault_entry.created",
    "vault_entry.updated",
    "vault_entry.deleted",
    "vault_entry.revealed",
)


def with_assignments(client: Client) -> Client:
    """The client with its assignments loaded (one statement), which the vault's pure
    policy reads to know who works on the client today."""
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.client_id == client.id).order_by(Assignment.id)
    ).all()
    set_committed_value(client, "assignments", list(assignments))
    return client


def visible_vault_entries(actor: Actor) -> sa.Select:
    """Entries of the clients the actor may see."""
    return sa.select(VaultEntry).where(
        VaultEntry.client_id.in_(visible_clients(actor).with_only_columns(Client.id))
    )


def get_vault_entry_or_404(actor: Actor, uid: str) -> VaultEntry:
    """An entry by its public uid whose client the actor may see, or 404."""
    entry = db.session.scalar(visible_vault_entries(actor).where(VaultEntry.uid == uid))
    if entry is None:
        raise NotFound()
    with_assignments(entry.client)
    return entry


def client_vault_entries(actor: Actor, client: Client) -> list[VaultEntry]:
    """A client's entries by name (one statement; no secret is decrypted)."""
    return list(
        db.session.scalars(
            visible_vault_entries(actor)
            .where(VaultEntry.client_id == client.id)
            .order_by(sa.func.lower(VaultEntry.name), VaultEntry.id)
        )
    )


def client_vault_activity(client: Client, limit: int = 200) -> list[AuditEvent]:
    """The latest vault events about a client's entries, newest first: who created, changed,
    deleted or revealed which login, when. Events carry the client id in their data, so a
    deleted entry's history stays readable."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.action.in_(VAULT_ACTIONS),
                AuditEvent.entity_type == VaultEntry.__tablename__,
                AuditEvent.after["client_id"].as_integer() == client.id,
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
