"""What happens elsewhere when a client's status changes, without clients importing it.

Clients sit below work, documents and onboarding in the layering (those read clients, never
the other way), yet a client becoming `onboarding` starts the onboarding run. Other domains
register a hook here at start-up (`app.onboarding.hooks.register_onboarding_hooks`); every
create or status change made through `app.clients.services` calls them in the same
transaction, so pages, the API and any later caller all trigger them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.clients.models import Client
    from app.core.permissions import Actor

# hook(actor, client, old_status): old_status None for a client just created.
StatusHook = Callable[["Actor", "Client", "str | None"], None]
STATUS_HOOKS: list[StatusHook] = []


def register_status_hook(hook: StatusHook) -> None:
    if hook not in STATUS_HOOKS:
        STATUS_HOOKS.append(hook)


def status_changed(actor: Actor, client: Client, old_status: str | None) -> None:
    """Tell every registered hook that `client` now has its (flushed) status."""
    for hook in STATUS_HOOKS:
        hook(actor, client, old_status)
