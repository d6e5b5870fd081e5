"""Read side of clients, contacts, assignments and service packages: what each actor may see.

Every `get_<noun>_or_404` loads through the matching `visible_<nouns>` query, so a list and
a detail page never disagree; the tenant filter is added by the data layer on top.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload
from werkzeug.exceptions import NotFound

from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.clients.policy import can_see_assignment_history
from app.core.clock import today_in
from app.core.pagination import Page
from app.core.permissions import Actor
from app.extensions import db
from app.users.models import Membership, User


def agency_today(actor: Actor) -> dt.date:
    """Today's date in the agency's time zone: assignments start and end on agency days."""
    zone = getattr(actor.agency, "time_zone", None) or "UTC"
    return today_in(zone)


def current_assignment_filter(today: dt.date) -> sa.ColumnElement[bool]:
    """Assignments that are running on `today` (`ends_on` is the first day off the client)."""
    return sa.and_(
        Assignment.starts_on <= today,
        sa.or_(Assignment.ends_on.is_(None), Assignment.ends_on > today),
    )


def visible_clients(actor: Actor, today: dt.date | None = None) -> sa.Select:
    """Owners, managers and QA see every client; a VA sees clients with a current
    assignment; a client contact sees only their own client."""
    stmt = sa.select(Client)
    if actor.role in ("owner", "manager", "qa"):
        return stmt
    if actor.role == "va":
        today = today or agency_today(actor)
        current = sa.select(Assignment.client_id).where(
            Assignment.membership_id == actor.membership.id,
            current_assignment_filter(today),
        )
        return stmt.where(Client.id.in_(current))
    if actor.role == "client":
        return stmt.where(Client.id == actor.membership.client_id)
    return stmt.where(sa.false())


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# What the list shows of each assignment: the VA's name (not their agency, or timestamps).
_TEAM_ONLY = joinedload(Assignment.membership, innerjoin=True).options(
    lazyload(Membership.agency),
    joinedload(Membership.user, innerjoin=True).load_only(User.id, User.name),
)


def filtered_clients(actor: Actor, filters: dict, today: dt.date | None = None) -> sa.Select:
    """Visible clients matching the list filters (loaded ClientFilterArgs): q (part of the
    name or of a contact's email), status, time_zone, va (a membership id with a current
    assignment), include_archived. Unordered; `client_page` pages through it."""
    today = today or agency_today(actor)
    stmt = visible_clients(actor, today)
    q = (filters.get("q") or "").strip()
    if q:
        pattern = _like_pattern(q)
        # A union of two index-friendly look-ups (trigram indexes on PostgreSQL) rather than
        # an OR across a join, which would scan every client.
        by_name = sa.select(Client.id).where(Client.name.ilike(pattern, escape="\\"))
        by_email = sa.select(Contact.client_id).where(Contact.email.ilike(pattern, escape="\\"))
        stmt = stmt.where(Client.id.in_(sa.union(by_name, by_email)))
    if filters.get("status"):
        stmt = stmt.where(Client.status == filters["status"])
    if filters.get("time_zone"):
        stmt = stmt.where(Client.time_zone == filters["time_zone"])
    if filters.get("va"):
        assigned = sa.select(Assignment.client_id).where(
            Assignment.membership_id == filters["va"], current_assignment_filter(today)
        )
        stmt = stmt.where(Client.id.in_(assigned))
    if not filters.get("include_archived"):
        stmt = stmt.where(Client.archived_at.is_(None))
    return stmt


def client_page(actor: Actor, filters: dict) -> Page:
    """One page of the clients list, sorted by name, with each client's current team.

    Three statements whatever the page: the count, the page (the ids of the page are found
    first, from the index alone, then only those rows are read, so a deep page does not
    fetch every row before it) and the current assignments of the clients on it.
    """
    today = agency_today(actor)
    page, per_page = filters.get("page", 1), filters.get("per_page", 25)
    ids = filtered_clients(actor, filters, today).with_only_columns(Client.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery())) or 0
    page_ids = ids.order_by(Client.name, Client.id).limit(per_page).offset((page - 1) * per_page)
    items = db.session.scalars(
        sa.select(Client)
        .where(Client.id.in_(page_ids))
        .order_by(Client.name, Client.id)
        .options(
            selectinload(Client.assignments.and_(current_assignment_filter(today))).options(
                _TEAM_ONLY
            )
        )
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def get_client_or_404(actor: Actor, client_id: int) -> Client:
    """A client the actor may see, or 404 (another agency's id is simply not found)."""
    client = db.session.scalar(visible_clients(actor).where(Client.id == client_id))
    if client is None:
        raise NotFound()
    return client


def visible_contacts(actor: Actor) -> sa.Select:
    """Contacts of the clients the actor may see."""
    return sa.select(Contact).where(
        Contact.client_id.in_(visible_clients(actor).with_only_columns(Client.id))
    )


def get_contact_or_404(actor: Actor, contact_id: int) -> Contact:
    contact = db.session.scalar(visible_contacts(actor).where(Contact.id == contact_id))
    if contact is None:
        raise NotFound()
    return contact


def visible_assignments(actor: Actor) -> sa.Select:
    """Assignments of the clients the actor may see: the whole history for staff, the
    current team for a client contact."""
    stmt = sa.select(Assignment).where(
        Assignment.client_id.in_(visible_clients(actor).with_only_columns(Client.id))
    )
    if not can_see_assignment_history(actor):
        stmt = stmt.where(current_assignment_filter(agency_today(actor)))
    return stmt


def get_assignment_or_404(actor: Actor, assignment_id: int) -> Assignment:
    found = db.session.scalar(visible_assignments(actor).where(Assignment.id == assignment_id))
    if found is None:
        raise NotFound()
    return found


def client_assignments_query(actor: Actor, client: Client) -> sa.Select:
    """A client's assignments, newest first (history included)."""
    return (
        visible_assignments(actor)
        .where(Assignment.client_id == client.id)
        .order_by(Assignment.starts_on.desc(), Assignment.id.desc())
    )


def client_contacts_query(actor: Actor, client: Client) -> sa.Select:
    return visible_contacts(actor).where(Contact.client_id == client.id).order_by(Contact.id)


def visible_packages(actor: Actor) -> sa.Select:
    """The service catalogue with prices is for owners and managers."""
    stmt = sa.select(ServicePackage)
    if actor.is_manager:
        return stmt
    return stmt.where(sa.false())


def get_package_or_404(actor: Actor, package_id: int) -> ServicePackage:
    package = db.session.scalar(visible_packages(actor).where(ServicePackage.id == package_id))
    if package is None:
        raise NotFound()
    return package


def package_list_query(actor: Actor, *, active_only: bool = False) -> sa.Select:
    stmt = visible_packages(actor)
    if active_only:
        stmt = stmt.where(ServicePackage.active.is_(True))
    return stmt.order_by(ServicePackage.active.desc(), ServicePackage.name, ServicePackage.id)


def active_vas(actor: Actor) -> list[tuple[int, str]]:
    """(membership id, name) of the agency's active VAs, by name, for the assignment form
    and the list filter. Plain tuples: an agency may have hundreds of members."""
    if actor.role not in ("owner", "manager", "qa"):
        return []
    rows = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == "va", Membership.status == "active")
        .order_by(sa.func.lower(User.name), Membership.id)
    ).all()
    return [(row.id, row.name) for row in rows]


def onboarding_sop_options() -> list[tuple[int, str]]:
    """The agency's active SOPs a package may be onboarded with, by title."""
    from app.sops.models import Sop

    rows = db.session.execute(
        sa.select(Sop.id, Sop.title)
        .where(Sop.archived_at.is_(None), Sop.current_version_id.is_not(None))
        .order_by(Sop.title, Sop.id)
    )
    return [(sop_id, title) for sop_id, title in rows]
