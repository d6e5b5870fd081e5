"""HTML pages of the credential vault: a client's stored logins (list, add, edit, delete)
and revealing one secret after a recent re-authentication.

Each view: load (404 when the client is not visible) -> authorize (403) -> parse the form
with the vault schema (422 with messages beside the fields) -> service -> commit once.
Secrets are never shown in a list or a form; a reveal is its own POST, rate limited,
audited, answered with a page nobody may cache.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from app.clients.models import Client
from app.clients.queries import agency_today, get_client_or_404
from app.core.clock import utcnow
from app.core.errors import ValidationFailed
from app.core.permissions import authorize as _authorize
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db, limiter
from app.users.models import UserSession
from app.users.reauth import recently_confirmed
from app.vault.policy import (
    can_add_vault_entry,
    can_delete_vault_entry,
    can_edit_vault_entry,
    can_reveal_vault_entry,
    can_see_vault,
    can_see_vault_activity,
)
from app.vault.queries import client_vault_entries, get_vault_entry_or_404, with_assignments
from app.vault.schemas import VaultEntryIn, VaultEntryPatchIn
from app.vault.services import (
    ENTRY_FIELDS,
    create_vault_entry,
    delete_vault_entry,
    reveal_vault_entry,
    update_vault_entry,
)

bp = Blueprint("vault", __name__, template_folder="templates")

# QA reviewers never work with a client's logins: not declared, so 403 for them.
VAULT_ROLES = ("owner", "manager", "va", "client")
REVEAL_LIMIT = "30 per hour"


def reveal_limit_key() -> str:
    """Reveals are counted per person, whether through the pages or the API."""
    actor = g.get("actor")
    return f"vault-reveal:{getattr(actor, 'user_id', None)}"


def _list_url(client_id: int) -> str:
    return url_for("vault.list_entries", agency_slug=g.actor.agency.slug, client_id=client_id)


def _render_list(
    client: Client, values: dict | None = None, errors: dict | None = None, status: int = 200
) -> ResponseReturnValue:
    actor, today = g.actor, agency_today(g.actor)
    entries = client_vault_entries(actor, client)
    return render_template(
        "vault/list.html",
        client=client,
        entries=entries,
        values=values or {},
        errors=errors or {},
        can_add=can_add_vault_entry(actor, client, today),
        can_reveal=bool(entries) and can_reveal_vault_entry(actor, entries[0], today),
        can_delete=can_delete_vault_entry(actor, None),
        can_activity=can_see_vault_activity(actor, client),
    ), status


@bp.route("/<agency_slug>/clients/<int:client_id>/logins", methods=["GET", "POST"])
@roles(*VAULT_ROLES)
def list_entries(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """A client's stored logins (never their secrets), and the form to add one."""
    client = with_assignments(get_client_or_404(g.actor, client_id))
    today = agency_today(g.actor)
    _authorize(can_see_vault(g.actor, client, today))
    if request.method == "POST":
        _authorize(can_add_vault_entry(g.actor, client, today))
        try:
            data = load_form(VaultEntryIn(), request.form)
            entry = create_vault_entry(g.actor, client, data)
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            values = {k: v for k, v in request.form.items() if k != "secret"}
            return _render_list(client, values, exc.errors, 422)
        flash(_("Login %(name)s saved.", name=entry.name), "success")
        return redirect(_list_url(client.id))
    return _render_list(client)


@bp.route("/<agency_slug>/logins/<entry_uid>/edit", methods=["GET", "POST"])
@roles(*VAULT_ROLES)
def edit_entry(agency_slug: str, entry_uid: str) -> ResponseReturnValue:
    """Change a login's details; a new password only when one is typed."""
    entry = get_vault_entry_or_404(g.actor, entry_uid)
    _authorize(can_edit_vault_entry(g.actor, entry, agency_today(g.actor)))
    values: dict = {k: getattr(entry, k) for k in ENTRY_FIELDS}
    errors: dict = {}
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if k != "secret"}
        try:
            data = load_form(VaultEntryPatchIn(), request.form)
            update_vault_entry(g.actor, entry, data)
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash(_("Login %(name)s saved.", name=entry.name), "success")
            return redirect(_list_url(entry.client_id))
    return render_template("vault/form.html", entry=entry, values=values, errors=errors), (
        422 if errors else 200
    )


@bp.post("/<agency_slug>/logins/<entry_uid>/delete")
@roles("owner", "manager")
def remove_entry(agency_slug: str, entry_uid: str) -> ResponseReturnValue:
    entry = get_vault_entry_or_404(g.actor, entry_uid)
    _authorize(can_delete_vault_entry(g.actor, entry))
    client_id, name = entry.client_id, entry.name
    delete_vault_entry(g.actor, entry)
    commit()
    flash(_("Login %(name)s deleted.", name=name), "success")
    return redirect(_list_url(client_id))


@bp.post("/<agency_slug>/logins/<entry_uid>/reveal")
@roles("owner", "va")
@limiter.shared_limit(REVEAL_LIMIT, scope="vault-reveal", key_func=reveal_limit_key)
def reveal_entry(agency_slug: str, entry_uid: str) -> ResponseReturnValue:
    """Show one secret once, to the owner or a VA assigned to the client today, who
    confirmed who they are in the last ten minutes; never cached, always audited."""
    entry = get_vault_entry_or_404(g.actor, entry_uid)
    # Checked at each reveal: an assignment that ended today already says no.
    _authorize(can_reveal_vault_entry(g.actor, entry, agency_today(g.actor)))
    login_session = db.session.get(UserSession, g.get("user_session_id") or 0)
    if not recently_confirmed(login_session, utcnow()):
        flash(_("Confirm it is you, then reveal the password again."), "info")
        return redirect(url_for("users.confirm_identity", next=_list_url(entry.client_id)))
    secret = reveal_vault_entry(g.actor, entry)
    commit()
    response = make_response(render_template("vault/reveal.html", entry=entry, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
