"""Pure permission rules of the credential vault.

Seeing a client is decided by app.clients.queries.visible_clients; these rules decide what a
viewer who can see the client may do with its stored logins. Revealing a secret is narrower
than managing entries: only the owner and the VAs working on the client right now need the
secret itself; managers run the accounts without ever reading passwords, and the client's
own people already know them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.core.permissions import Actor


def _currently_assigned(actor: Actor, client: Any, today: dt.date) -> bool:
    """The actor is a VA with an assignment to `client` running on `today` (the agency's
    day). Checked on every call: an assignment that ends removes access at once."""
    if actor.role != "va" or actor.membership is None or client is None:
        return False
    return any(
        a.membership_id == actor.membership.id and a.is_current(today) for a in client.assignments
    )


def can_see_vault(actor: Actor, client: Any, today: dt.date) -> bool:
    """The client's list of logins (never the secrets): owners and managers, the VAs
    currently assigned to it, and the client's own contacts."""
    if actor.role in ("owner", "manager"):
        return True
    if actor.role == "client":
        return actor.membership is not None and actor.membership.client_id == client.id
    return _currently_assigned(actor, client, today)


def can_add_vault_entry(actor: Actor, client: Any, today: dt.date) -> bool:
    """Whoever sees a client's logins may add one (the client's contacts gave us them)."""
    return can_see_vault(actor, client, today)


def can_edit_vault_entry(actor: Actor, entry: Any, today: dt.date) -> bool:
    return can_see_vault(actor, entry.client, today)


def can_delete_vault_entry(actor: Actor, entry: Any) -> bool:
    """Removing a login is the agency's call: owners and managers."""
    return actor.role in ("owner", "manager")


def can_reveal_vault_entry(actor: Actor, entry: Any, today: dt.date) -> bool:
    """Only the owner and the VAs assigned to the entry's client on `today`."""
    if actor.role == "owner":
        return True
    return _currently_assigned(actor, entry.client, today)


def can_see_vault_activity(actor: Actor, client: Any) -> bool:
    """Who revealed or changed which login, for the client's own contacts (and the agency's
    owner, who has the whole audit log anyway)."""
    if actor.role == "owner":
        return True
    return (
        actor.role == "client"
        and actor.membership is not None
        and actor.membership.client_id == client.id
    )
