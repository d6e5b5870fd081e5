"""HTML pages of clients, their contacts and VA assignments, and the service catalogue.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.clients.blueprint import bp
from app.clients.forms import form_page
from app.clients.models import (
    Client,
)
from app.clients.policy import (
    can_archive_client,
    can_assign_client,
    can_create_client,
    can_delete_contact,
    can_edit_client,
    can_edit_contact,
    can_end_assignment,
    can_manage_contacts,
    can_see_assignment_history,
    can_see_client_notes,
    can_see_client_rates,
)
from app.clients.queries import (
    active_vas,
    agency_today,
    client_assignments_query,
    client_page,
    get_assignment_or_404,
    get_client_or_404,
    get_contact_or_404,
    package_list_query,
)
from app.clients.schemas import (
    AssignmentEndIn,
    AssignmentIn,
    ClientFilterArgs,
    ClientIn,
    ContactIn,
    ContractIn,
)
from app.clients.services import (
    CLIENT_FIELDS,
    CONTACT_FIELDS,
    add_contact,
    archive_client,
    assign_va,
    create_client,
    delete_contact,
    end_assignment,
    unarchive_client,
    update_client,
    update_contact,
)
from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import format_day
from app.core.i18n import current_locale
from app.core.money import input_value
from app.core.permissions import ALL_ROLES, MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.vault.policy import can_see_vault
from app.vault.queries import with_assignments

FILTER_KEYS = ("q", "status", "time_zone", "va", "include_archived", "page", "per_page")


def _client_values(client: Client) -> dict:
    values: dict[str, Any] = {k: getattr(client, k) for k in CLIENT_FIELDS}
    # The form types money in major units of the client's currency ("45.00").
    values["bill_rate"] = input_value(client.bill_rate_minor, client.currency)
    for kind, channel in (client.channels or {}).items():
        values[f"channels.{kind}"] = channel
    return values


def _package_options(current_id: int | None = None) -> list[tuple[int, str]]:
    packages = db.session.scalars(package_list_query(g.actor)).all()
    return [
        (
            p.id,
            _("%(name)s (%(currency)s)", name=p.name, currency=p.currency)
            if p.active
            else _("%(name)s (%(currency)s) (no longer offered)", name=p.name, currency=p.currency),
        )
        for p in packages
        if p.active or p.id == current_id
    ]


# --- clients -------------------------------------------------------------------------------


@bp.get("/<agency_slug>/clients")
@roles(*ALL_ROLES)
def list_clients(agency_slug: str) -> ResponseReturnValue:
    actor = g.actor
    if actor.role == "client":
        return redirect(
            url_for(
                "clients.client_detail",
                agency_slug=agency_slug,
                client_id=actor.membership.client_id or 0,
            )
        )
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in FILTER_KEYS])
    errors: dict = {}
    try:
        filters = load_form(ClientFilterArgs(), raw)
    except ValidationFailed as exc:
        errors = exc.errors
        filters = {"page": 1, "per_page": 25}
    page = client_page(actor, filters)
    if errors:
        page.items, page.total = [], 0
    args = {k: v for k, v in raw.items() if k != "page" and v}
    return render_template(
        "clients/list.html",
        page=page,
        filters=raw.to_dict(),
        args=args,
        errors=errors,
        vas=active_vas(actor),
        today=agency_today(actor),
        show_rates=can_see_client_rates(actor),
        can_create=can_create_client(actor),
    ), (422 if errors else 200)


@bp.route("/<agency_slug>/clients/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_client(agency_slug: str) -> ResponseReturnValue:
    _authorize(can_create_client(g.actor))
    values: dict = {"status": "prospect", "locale": "en", "net_days": 15, "deposit_percent": 0}
    values.update(response_time_hours=24, currency=g.actor.agency.base_currency)
    return form_page(
        "clients/form.html",
        ClientIn(),
        values,
        lambda data: create_client(g.actor, data),
        lambda client: (
            _("Client %(name)s created.", name=client.name),
            url_for("clients.client_detail", agency_slug=agency_slug, client_id=client.id),
        ),
        context=lambda: {"client": None, "packages": _package_options()},
    )


def _render_detail(
    client: Client,
    *,
    contact_values: dict | None = None,
    contact_errors: dict | None = None,
    assignment_values: dict | None = None,
    assignment_errors: dict | None = None,
    end_errors: dict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    actor = g.actor
    today = agency_today(actor)
    assignments = db.session.scalars(client_assignments_query(actor, client)).all()
    current = sorted(
        (a for a in assignments if a.is_current(today)), key=lambda a: a.kind != "primary"
    )
    upcoming = [a for a in assignments if a.starts_on > today and a.ends_on != a.starts_on]
    past = [a for a in assignments if a not in current and a not in upcoming]
    manager = can_edit_client(actor, client)
    return render_template(
        "clients/detail.html",
        client=client,
        today=today,
        current=current,
        upcoming=upcoming,
        past=past,
        show_history=can_see_assignment_history(actor),
        show_rates=can_see_client_rates(actor),
        show_notes=can_see_client_notes(actor),
        can_edit=manager,
        show_logins=can_see_vault(actor, with_assignments(client), today),
        can_archive=can_archive_client(actor, client),
        can_contacts=can_manage_contacts(actor, client),
        can_assign=can_assign_client(actor, client),
        vas=active_vas(actor) if can_assign_client(actor, client) else [],
        contact_values=contact_values or {"preferred_channel": "email"},
        contact_errors=contact_errors or {},
        # `va`: a suggested VA chosen on the suggestions page, selected in the form.
        assignment_values=assignment_values
        or {"kind": "primary", "membership_id": request.args.get("va", "")},
        assignment_errors=assignment_errors or {},
        end_errors=end_errors or {},
    ), status


@bp.get("/<agency_slug>/clients/<int:client_id>")
@roles(*ALL_ROLES)
def client_detail(agency_slug: str, client_id: int) -> ResponseReturnValue:
    return _render_detail(get_client_or_404(g.actor, client_id))


@bp.route("/<agency_slug>/clients/<int:client_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_client(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_edit_client(g.actor, client))
    return form_page(
        "clients/form.html",
        ClientIn(),
        _client_values(client),
        lambda data: update_client(g.actor, client, data),
        lambda _saved: (
            _("Client saved."),
            url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id),
        ),
        context=lambda: {
            "client": client,
            "packages": _package_options(client.service_package_id),
        },
    )


@bp.route("/<agency_slug>/clients/<int:client_id>/contract", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_contract(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """The contract terms of a client: scope, payment, response time, confidentiality,
    termination notice and start date (audited as a client change)."""
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_edit_client(g.actor, client))
    return form_page(
        "clients/contract_form.html",
        ContractIn(),
        {k: getattr(client, k) for k in ContractIn().fields},
        lambda data: update_client(g.actor, client, data),
        lambda _saved: (
            _("Contract terms saved."),
            url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id)
            + "#contract",
        ),
        context=lambda: {"client": client},
    )


@bp.post("/<agency_slug>/clients/<int:client_id>/archive")
@roles(*MANAGERS)
def archive(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_archive_client(g.actor, client))
    archive_client(g.actor, client)
    commit()
    flash(
        _("%(name)s archived. It is hidden from lists until restored.", name=client.name),
        "success",
    )
    return redirect(url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id))


@bp.post("/<agency_slug>/clients/<int:client_id>/unarchive")
@roles(*MANAGERS)
def unarchive(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_archive_client(g.actor, client))
    unarchive_client(g.actor, client)
    commit()
    flash(_("%(name)s restored from the archive.", name=client.name), "success")
    return redirect(url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id))


# --- contacts ------------------------------------------------------------------------------


@bp.post("/<agency_slug>/clients/<int:client_id>/contacts")
@roles(*MANAGERS)
def create_contact(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_manage_contacts(g.actor, client))
    try:
        data = load_form(ContactIn(), request.form)
        contact = add_contact(g.actor, client, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_detail(
            client,
            contact_values=request.form.to_dict(),
            contact_errors=exc.errors,
            status=422,
        )
    flash(_("Contact %(name)s added.", name=contact.name), "success")
    return redirect(
        url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id) + "#contacts"
    )


@bp.route("/<agency_slug>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_contact(agency_slug: str, contact_id: int) -> ResponseReturnValue:
    contact = get_contact_or_404(g.actor, contact_id)
    _authorize(can_edit_contact(g.actor, contact))
    return form_page(
        "clients/contact_form.html",
        ContactIn(),
        {k: getattr(contact, k) for k in CONTACT_FIELDS},
        lambda data: update_contact(g.actor, contact, data),
        lambda _saved: (
            _("Contact saved."),
            url_for("clients.client_detail", agency_slug=agency_slug, client_id=contact.client_id)
            + "#contacts",
        ),
        context=lambda: {"contact": contact},
    )


@bp.post("/<agency_slug>/contacts/<int:contact_id>/delete")
@roles(*MANAGERS)
def remove_contact(agency_slug: str, contact_id: int) -> ResponseReturnValue:
    contact = get_contact_or_404(g.actor, contact_id)
    _authorize(can_delete_contact(g.actor, contact))
    client_id, name = contact.client_id, contact.name
    delete_contact(g.actor, contact)
    commit()
    flash(_("Contact %(name)s removed.", name=name), "success")
    return redirect(
        url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id) + "#contacts"
    )


# --- assignments ---------------------------------------------------------------------------


@bp.post("/<agency_slug>/clients/<int:client_id>/assignments")
@roles(*MANAGERS)
def create_assignment(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_assign_client(g.actor, client))
    try:
        data = load_form(AssignmentIn(), request.form)
        assignment = assign_va(g.actor, client, data)
        commit()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _render_detail(
            client,
            assignment_values=request.form.to_dict(),
            assignment_errors=errors,
            status=exc.status,
        )
    name = assignment.membership.user.name
    if assignment.kind == "primary":
        flash(_("%(name)s assigned as primary.", name=name), "success")
    else:
        flash(_("%(name)s assigned as backup.", name=name), "success")
    return redirect(
        url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id)
        + "#assignments"
    )


@bp.post("/<agency_slug>/assignments/<int:assignment_id>/end")
@roles(*MANAGERS)
def finish_assignment(agency_slug: str, assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(g.actor, assignment_id)
    _authorize(can_end_assignment(g.actor, assignment))
    client_id = assignment.client_id
    target = (
        url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id)
        + "#assignments"
    )
    try:
        data = load_form(AssignmentEndIn(), request.form)
        end_assignment(g.actor, assignment, data.get("ends_on"))
        commit()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        end_errors = {"assignment_id": assignment_id, "errors": exc.errors or {}}
        if not exc.errors:
            end_errors["errors"] = {"_schema": [exc.message]}
        client = get_client_or_404(g.actor, client_id)
        return _render_detail(client, end_errors=end_errors, status=exc.status)
    flash(
        _(
            "%(name)s is off this client from %(day)s.",
            name=assignment.membership.user.name,
            day=format_day(assignment.ends_on, current_locale()),
        ),
        "success",
    )
    return redirect(target)
