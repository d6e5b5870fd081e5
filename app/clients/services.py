"""Write side of clients, contacts, assignments and service packages.

Services take the actor explicitly, flush but never commit, and record an audit event for
every change. Ids inside input resolve inside the current agency: another agency's id is
"Does not exist." like any unknown one.

Assignments: at most one primary VA per client at any time. Assigning a new primary hands
the client over: the current primary's assignment ends on the new one's start date (both
are kept in the history). A primary already scheduled to start on or after that date is a
conflict the user must resolve first, and so is assigning a VA who is already on the client.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.clients.queries import agency_today
from app.clients.schemas import MAX_MINOR
from app.clients.status_hooks import status_changed
from app.core.catalogues import N_
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import format_day
from app.core.i18n import current_locale
from app.core.permissions import Actor
from app.core.schemas import amount_to_minor
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.extensions import db
from app.sops.models import Sop
from app.users.models import Membership

CLIENT_FIELDS = (
    "name",
    "time_zone",
    "currency",
    "locale",
    "country",
    "status",
    "channels",
    "deposit_percent",
    "net_days",
    "response_time_hours",
    "service_package_id",
    "bill_rate_minor",
    "notes",
    "scope",
    "confidentiality",
    "confidentiality_notes",
    "termination_notice_days",
    "contract_starts_on",
)
CONTACT_FIELDS = ("client_id", "name", "email", "phone", "role", "preferred_channel", "is_billing")
ASSIGNMENT_FIELDS = ("client_id", "membership_id", "kind", "starts_on", "ends_on")
PACKAGE_FIELDS = (
    "name", "description", "pricing", "price_minor", "currency", "active", "onboarding_sop_id",
)  # fmt: skip


# --- clients -------------------------------------------------------------------------------


def _resolve_package(
    package_id: int | None, currency: str | None, *, current_id: int | None = None
) -> None:
    """Check a service package id from input: the agency's, active unless unchanged, and
    priced in the client's currency (a package in another currency could never be billed
    on the client's invoices)."""
    if package_id is None:
        return
    package = db.session.scalar(sa.select(ServicePackage).where(ServicePackage.id == package_id))
    if package is None:
        raise ValidationFailed({"service_package_id": [_("Does not exist.")]})
    if package_id != current_id and not package.active:
        raise ValidationFailed({"service_package_id": [_("This package is no longer offered.")]})
    if currency and package.currency != currency:
        # Name the field the user changed: the package, or the client's currency.
        field = "service_package_id" if package_id != current_id else "currency"
        raise ValidationFailed(
            {
                field: [
                    _(
                        "%(package)s is priced in %(package_currency)s and this client is "
                        "billed in %(currency)s: choose a package in %(currency)s (or none).",
                        package=package.name,
                        package_currency=package.currency,
                        currency=currency,
                    )
                ]
            }
        )


def create_client(actor: Actor, data: dict) -> Client:
    amount_to_minor(data, "bill_rate", data["currency"], label=N_("Bill rate"), maximum=MAX_MINOR)
    _resolve_package(data.get("service_package_id"), data.get("currency"))
    client = Client(**{k: v for k, v in data.items() if k in CLIENT_FIELDS})
    db.session.add(client)
    db.session.flush()
    record(
        actor,
        "client.created",
        client,
        summary=f"Client {client.name} created",
        after=snapshot(client, CLIENT_FIELDS),
    )
    status_changed(actor, client, None)
    return client


def update_client(actor: Actor, client: Client, data: dict) -> Client:
    currency = data.get("currency") or client.currency
    amount_to_minor(data, "bill_rate", currency, label=N_("Bill rate"), maximum=MAX_MINOR)
    if "service_package_id" in data or "currency" in data:
        _resolve_package(
            data.get("service_package_id", client.service_package_id),
            data.get("currency", client.currency),
            current_id=client.service_package_id,
        )
    before = snapshot(client, CLIENT_FIELDS)
    old_status = client.status
    for key, value in data.items():
        if key in CLIENT_FIELDS:
            setattr(client, key, value)
    b, a = changed(before, snapshot(client, CLIENT_FIELDS))
    if a:
        client.updated_at = utcnow()
        db.session.flush()
        if "service_package_id" in a:
            db.session.expire(client, ["service_package"])
        record(
            actor,
            "client.updated",
            client,
            summary=f"Client {client.name} changed: {', '.join(a)}",
            before=b,
            after=a,
        )
        if "status" in a:
            status_changed(actor, client, old_status)
    return client


def archive_client(actor: Actor, client: Client) -> Client:
    if client.archived_at is not None:
        raise Conflict(_("This client is already archived."))
    client.archived_at = utcnow()
    db.session.flush()
    record(
        actor,
        "client.archived",
        client,
        summary=f"Client {client.name} archived",
        before={"archived_at": None},
        after={"archived_at": client.archived_at},
    )
    return client


def unarchive_client(actor: Actor, client: Client) -> Client:
    if client.archived_at is None:
        raise Conflict(_("This client is not archived."))
    before = {"archived_at": client.archived_at}
    client.archived_at = None
    db.session.flush()
    record(
        actor,
        "client.unarchived",
        client,
        summary=f"Client {client.name} restored from the archive",
        before=before,
        after={"archived_at": None},
    )
    return client


# --- contacts ------------------------------------------------------------------------------


def add_contact(actor: Actor, client: Client, data: dict) -> Contact:
    contact = Contact(client_id=client.id, **{k: v for k, v in data.items() if k in CONTACT_FIELDS})
    db.session.add(contact)
    db.session.flush()
    record(
        actor,
        "contact.created",
        contact,
        summary=f"Contact {contact.name} added to {client.name}",
        after=snapshot(contact, CONTACT_FIELDS),
    )
    return contact


def update_contact(actor: Actor, contact: Contact, data: dict) -> Contact:
    before = snapshot(contact, CONTACT_FIELDS)
    for key, value in data.items():
        if key in CONTACT_FIELDS and key != "client_id":
            setattr(contact, key, value)
    b, a = changed(before, snapshot(contact, CONTACT_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "contact.updated",
            contact,
            summary=f"Contact {contact.name} changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return contact


def delete_contact(actor: Actor, contact: Contact) -> None:
    record(
        actor,
        "contact.deleted",
        contact,
        summary=f"Contact {contact.name} removed",
        before=snapshot(contact, CONTACT_FIELDS),
    )
    db.session.delete(contact)
    db.session.flush()


# --- assignments ---------------------------------------------------------------------------


def _overlaps(a: Assignment, starts: dt.date, ends: dt.date | None) -> bool:
    """Whether `a` shares a day with [starts, ends) (None = open-ended)."""
    a_before_end = ends is None or a.starts_on < ends
    a_after_start = a.ends_on is None or a.ends_on > starts
    return a_before_end and a_after_start


def assign_va(actor: Actor, client: Client, data: dict) -> Assignment:
    """Put a VA on a client as primary or backup (see the module docstring for primaries)."""
    if client.archived_at is not None:
        raise Conflict(_("This client is archived; restore it before assigning VAs."))
    va = db.session.scalar(sa.select(Membership).where(Membership.id == data["membership_id"]))
    if va is None:
        raise ValidationFailed({"membership_id": [_("Does not exist.")]})
    if va.role != "va" or not va.is_active_member:
        raise ValidationFailed({"membership_id": [_("Must be an active VA of the agency.")]})
    starts = data.get("starts_on") or agency_today(actor)
    ends = data.get("ends_on")
    if ends is not None and ends < starts:
        raise ValidationFailed({"ends_on": [_("Must not be before the start date.")]})

    # Serialise assignment changes per client, so two simultaneous primaries cannot both win.
    db.session.execute(sa.select(Client.id).where(Client.id == client.id).with_for_update())
    existing = db.session.scalars(
        sa.select(Assignment).where(Assignment.client_id == client.id)
    ).all()
    overlapping = [a for a in existing if _overlaps(a, starts, ends)]
    for a in overlapping:
        if a.membership_id == va.id:
            message = (
                _(
                    "%(name)s is already assigned to %(client)s (primary from %(day)s). "
                    "End that assignment first.",
                    name=va.user.name,
                    client=client.name,
                    day=format_day(a.starts_on, current_locale()),
                )
                if a.kind == "primary"
                else _(
                    "%(name)s is already assigned to %(client)s (backup from %(day)s). "
                    "End that assignment first.",
                    name=va.user.name,
                    client=client.name,
                    day=format_day(a.starts_on, current_locale()),
                )
            )
            raise Conflict(message)
    handed_over: list[Assignment] = []
    if data.get("kind", "primary") == "primary":
        for a in overlapping:
            if a.kind != "primary":
                continue
            if a.starts_on >= starts:
                raise Conflict(
                    _(
                        "%(name)s is the primary VA from %(day)s; end that assignment first.",
                        name=a.membership.user.name,
                        day=format_day(a.starts_on, current_locale()),
                    )
                )
            handed_over.append(a)

    for old in handed_over:
        before = snapshot(old, ASSIGNMENT_FIELDS)
        old.ends_on = starts
        db.session.flush()
        b, a = changed(before, snapshot(old, ASSIGNMENT_FIELDS))
        record(
            actor,
            "assignment.ended",
            old,
            summary=(
                f"{old.membership.user.name} handed {client.name} over to {va.user.name} "
                f"as primary on {format_day(starts)}"
            ),
            before=b,
            after=a,
        )

    assignment = Assignment(
        client_id=client.id,
        membership_id=va.id,
        kind=data.get("kind", "primary"),
        starts_on=starts,
        ends_on=ends,
        created_by_id=actor.user_id,
    )
    db.session.add(assignment)
    db.session.flush()
    record(
        actor,
        "assignment.created",
        assignment,
        summary=f"{va.user.name} assigned to {client.name} as {assignment.kind}",
        after=snapshot(assignment, ASSIGNMENT_FIELDS),
    )
    return assignment


def end_assignment(
    actor: Actor, assignment: Assignment, ends_on: dt.date | None = None
) -> Assignment:
    """End an assignment (kept in the history). Without a date it ends today, or, for one
    that has not started yet, on its start date (cancelled)."""
    today = agency_today(actor)
    if assignment.ends_on is not None and assignment.ends_on <= today:
        raise Conflict(_("This assignment has already ended."))
    if ends_on is None:
        ends_on = max(today, assignment.starts_on)
    if ends_on < assignment.starts_on:
        raise ValidationFailed(
            {
                "ends_on": [
                    _(
                        "Must not be before the start date (%(day)s).",
                        day=format_day(assignment.starts_on, current_locale()),
                    )
                ]
            }
        )
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    assignment.ends_on = ends_on
    db.session.flush()
    b, a = changed(before, snapshot(assignment, ASSIGNMENT_FIELDS))
    record(
        actor,
        "assignment.ended",
        assignment,
        summary=(
            f"{assignment.membership.user.name} off {assignment.client.name} "
            f"from {format_day(ends_on)}"
        ),
        before=b,
        after=a,
    )
    return assignment


# --- service packages ----------------------------------------------------------------------


def _check_onboarding_sop(data: dict, *, current_id: int | None = None) -> None:
    """The package's onboarding SOP: one of the agency's, not archived (unless unchanged)."""
    sop_id = data.get("onboarding_sop_id")
    if sop_id is None or sop_id == current_id:
        return
    sop = db.session.scalar(sa.select(Sop).where(Sop.id == sop_id))
    if sop is None:
        raise ValidationFailed({"onboarding_sop_id": [_("Does not exist.")]})
    if sop.archived_at is not None or sop.current_version_id is None:
        raise ValidationFailed({"onboarding_sop_id": [_("Choose an active SOP.")]})


def create_package(actor: Actor, data: dict) -> ServicePackage:
    currency = data.get("currency") or actor.agency.base_currency
    # Every field's problem at once: the onboarding SOP's and the price's.
    errors: dict = {}
    for check in (
        lambda: _check_onboarding_sop(data),
        lambda: amount_to_minor(data, "price", currency, label=N_("Price"), maximum=MAX_MINOR),
    ):
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    values = {k: v for k, v in data.items() if k in PACKAGE_FIELDS}
    values["currency"] = currency
    package = ServicePackage(**values)
    db.session.add(package)
    db.session.flush()
    record(
        actor,
        "package.created",
        package,
        summary=f"Service package {package.name} created",
        after=snapshot(package, PACKAGE_FIELDS),
    )
    return package


def update_package(actor: Actor, package: ServicePackage, data: dict) -> ServicePackage:
    _check_onboarding_sop(data, current_id=package.onboarding_sop_id)
    new_currency = data.get("currency")
    amount_to_minor(
        data, "price", new_currency or package.currency, label=N_("Price"), maximum=MAX_MINOR
    )
    if new_currency and new_currency != package.currency:
        # Clients on the package are billed in its old currency: a switch would leave them
        # with a package their invoices cannot bill.
        on_it = db.session.scalar(
            sa.select(sa.func.count(Client.id)).where(
                Client.service_package_id == package.id, Client.currency != new_currency
            )
        )
        if on_it:
            raise ValidationFailed(
                {
                    "currency": [
                        ngettext(
                            "%(num)d client on this package is billed in another currency; "
                            "move it to another package first.",
                            "%(num)d clients on this package are billed in another currency; "
                            "move them to another package first.",
                            on_it,
                        )
                    ]
                }
            )
    before = snapshot(package, PACKAGE_FIELDS)
    for key, value in data.items():
        if key not in PACKAGE_FIELDS:
            continue
        if key == "currency" and value is None:
            continue
        setattr(package, key, value)
    b, a = changed(before, snapshot(package, PACKAGE_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "package.updated",
            package,
            summary=f"Service package {package.name} changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return package
