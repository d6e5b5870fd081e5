"""JSON API of the credential vault: a client's stored logins (list, create, update,
delete) and revealing one secret.

No answer but the reveal's carries a secret. API tokens have no login session to remember a
re-authentication, so each reveal carries the person's password (or a two-factor code) in
its body; it is rate limited and audited like the page.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.models import Client
from app.clients.queries import agency_today, get_client_or_404
from app.core.errors import ValidationFailed
from app.core.permissions import authorize as _authorize
from app.core.permissions import loads, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import limiter
from app.users.reauth import confirm_identity
from app.vault.models import VaultEntry
from app.vault.policy import (
    can_add_vault_entry,
    can_delete_vault_entry,
    can_edit_vault_entry,
    can_reveal_vault_entry,
    can_see_vault,
)
from app.vault.queries import client_vault_entries, get_vault_entry_or_404, with_assignments
from app.vault.schemas import (
    RevealIn,
    RevealOut,
    VaultEntryIn,
    VaultEntryListOut,
    VaultEntryOut,
    VaultEntryPatchIn,
)
from app.vault.services import (
    create_vault_entry,
    delete_vault_entry,
    reveal_vault_entry,
    update_vault_entry,
)
from app.vault.views import REVEAL_LIMIT, VAULT_ROLES, reveal_limit_key

blp = Blueprint(
    "vault_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="A client's stored logins (the credential vault); secrets only via reveal",
)


@blp.route("/clients/<int:client_id>/vault")
class ClientVault(MethodView):
    @roles(*VAULT_ROLES)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, VaultEntryListOut)
    def get(self, agency_slug: str, client: Client) -> dict:
        """A client's stored logins by name, without their secrets."""
        _authorize(can_see_vault(g.actor, with_assignments(client), agency_today(g.actor)))
        return {"items": client_vault_entries(g.actor, client)}

    @roles(*VAULT_ROLES)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(VaultEntryIn)
    @blp.response(201, VaultEntryOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> VaultEntry:
        """Store a login of a client (owners, managers, its current VAs, its contacts)."""
        _authorize(can_add_vault_entry(g.actor, with_assignments(client), agency_today(g.actor)))
        entry = create_vault_entry(g.actor, client, data)
        commit()
        return entry


@blp.route("/vault/<entry_uid>")
class VaultEntryResource(MethodView):
    @roles(*VAULT_ROLES)
    @loads(get_vault_entry_or_404, "entry_uid", "entry")
    @blp.response(200, VaultEntryOut)
    def get(self, agency_slug: str, entry: VaultEntry) -> VaultEntry:
        """One stored login, without its secret."""
        _authorize(can_see_vault(g.actor, entry.client, agency_today(g.actor)))
        return entry

    @roles(*VAULT_ROLES)
    @loads(get_vault_entry_or_404, "entry_uid", "entry")
    @blp.arguments(VaultEntryPatchIn(partial=True))
    @blp.response(200, VaultEntryOut)
    def patch(self, data: dict, agency_slug: str, entry: VaultEntry) -> VaultEntry:
        """Change a stored login; `secret` only when a new one is given."""
        _authorize(can_edit_vault_entry(g.actor, entry, agency_today(g.actor)))
        update_vault_entry(g.actor, entry, data)
        commit()
        return entry

    @roles("owner", "manager")
    @loads(get_vault_entry_or_404, "entry_uid", "entry")
    @blp.response(204)
    def delete(self, agency_slug: str, entry: VaultEntry) -> None:
        """Delete a stored login (owners and managers)."""
        _authorize(can_delete_vault_entry(g.actor, entry))
        delete_vault_entry(g.actor, entry)
        commit()


@blp.route("/vault/<entry_uid>/reveal")
class VaultEntryReveal(MethodView):
    @roles("owner", "va")
    @limiter.shared_limit(REVEAL_LIMIT, scope="vault-reveal", key_func=reveal_limit_key)
    @loads(get_vault_entry_or_404, "entry_uid", "entry")
    @blp.arguments(RevealIn)
    @blp.response(200, RevealOut)
    def post(self, data: dict, agency_slug: str, entry: VaultEntry) -> dict:
        """The secret of a stored login (the owner, and VAs assigned to the client today),
        confirmed by the caller's password or two-factor code in the body. Audited."""
        _authorize(can_reveal_vault_entry(g.actor, entry, agency_today(g.actor)))
        if not confirm_identity(g.actor.user, data["password"], data["code"]):
            # A spent two-factor step stays spent.
            commit()
            raise ValidationFailed({"password": [_("That is not right. Try again.")]})
        secret = reveal_vault_entry(g.actor, entry)
        commit()
        return {"uid": entry.uid, "name": entry.name, "username": entry.username, "secret": secret}
