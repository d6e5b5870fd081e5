"""JSON API of clients, contacts, VA assignments and the service catalogue.

Routes with an id load the object first (`loads`), before the body or query string is
parsed, so another agency's id is a 404 whatever the body holds.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.clients.policy import (
    can_archive_client,
    can_assign_client,
    can_create_client,
    can_delete_contact,
    can_edit_client,
    can_edit_contact,
    can_edit_package,
    can_end_assignment,
    can_manage_contacts,
    can_manage_packages,
)
from app.clients.queries import (
    agency_today,
    client_assignments_query,
    client_contacts_query,
    client_page,
    current_assignment_filter,
    get_assignment_or_404,
    get_client_or_404,
    get_contact_or_404,
    get_package_or_404,
    package_list_query,
)
from app.clients.schemas import (
    AssignmentEndIn,
    AssignmentFilterArgs,
    AssignmentIn,
    AssignmentOut,
    AssignmentPageOut,
    ClientFilterArgs,
    ClientIn,
    ClientOut,
    ClientPageOut,
    ClientPatchIn,
    ContactIn,
    ContactOut,
    ContactPageOut,
    ContactPatchIn,
    PackageIn,
    PackageOut,
    PackagePageOut,
    PackagePatchIn,
)
from app.clients.services import (
    add_contact,
    archive_client,
    assign_va,
    create_client,
    create_package,
    delete_contact,
    end_assignment,
    unarchive_client,
    update_client,
    update_contact,
    update_package,
)
from app.core.pagination import paginate
from app.core.permissions import ALL_ROLES, MANAGERS, loads, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import PageArgs
from app.core.uow import commit

blp = Blueprint(
    "clients_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Clients, contact people, VA assignments and service packages",
)


# --- clients -------------------------------------------------------------------------------


@blp.route("/clients")
class ClientsResource(MethodView):
    @roles(*ALL_ROLES)
    @blp.arguments(ClientFilterArgs, location="query")
    @blp.response(200, ClientPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Clients you may see, sorted by name; search `q` (name or a contact's email),
        filter by status, time zone, assigned VA; archived ones only on request.
        Rates are included for owners and managers only; notes never for client contacts."""
        page = client_page(g.actor, args)
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @blp.arguments(ClientIn)
    @blp.response(201, ClientOut)
    def post(self, data: dict, agency_slug: str) -> Client:
        """Create a client (owners and managers)."""
        _authorize(can_create_client(g.actor))
        client = create_client(g.actor, data)
        commit()
        return client


@blp.route("/clients/<int:client_id>")
class ClientResource(MethodView):
    @roles(*ALL_ROLES)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, ClientOut)
    def get(self, agency_slug: str, client: Client) -> Client:
        """One client."""
        return client

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(ClientPatchIn(partial=True))
    @blp.response(200, ClientOut)
    def patch(self, data: dict, agency_slug: str, client: Client) -> Client:
        """Change some of a client's fields (owners and managers)."""
        _authorize(can_edit_client(g.actor, client))
        update_client(g.actor, client, data)
        commit()
        return client


@blp.route("/clients/<int:client_id>/archive")
class ClientArchive(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, ClientOut)
    def post(self, agency_slug: str, client: Client) -> Client:
        """Archive a client: hidden from lists unless asked for (409 if already archived)."""
        _authorize(can_archive_client(g.actor, client))
        archive_client(g.actor, client)
        commit()
        return client


@blp.route("/clients/<int:client_id>/unarchive")
class ClientUnarchive(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, ClientOut)
    def post(self, agency_slug: str, client: Client) -> Client:
        """Restore an archived client (409 if it is not archived)."""
        _authorize(can_archive_client(g.actor, client))
        unarchive_client(g.actor, client)
        commit()
        return client


# --- contacts ------------------------------------------------------------------------------


@blp.route("/clients/<int:client_id>/contacts")
class ClientContacts(MethodView):
    @roles(*ALL_ROLES)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ContactPageOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """A client's contact people."""
        page = paginate(client_contacts_query(g.actor, client), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(ContactIn)
    @blp.response(201, ContactOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> Contact:
        """Add a contact person to a client (owners and managers)."""
        _authorize(can_manage_contacts(g.actor, client))
        contact = add_contact(g.actor, client, data)
        commit()
        return contact


@blp.route("/contacts/<int:contact_id>")
class ContactResource(MethodView):
    @roles(*ALL_ROLES)
    @loads(get_contact_or_404, "contact_id", "contact")
    @blp.response(200, ContactOut)
    def get(self, agency_slug: str, contact: Contact) -> Contact:
        """One contact person."""
        return contact

    @roles(*MANAGERS)
    @loads(get_contact_or_404, "contact_id", "contact")
    @blp.arguments(ContactPatchIn(partial=True))
    @blp.response(200, ContactOut)
    def patch(self, data: dict, agency_slug: str, contact: Contact) -> Contact:
        """Change a contact person (owners and managers)."""
        _authorize(can_edit_contact(g.actor, contact))
        update_contact(g.actor, contact, data)
        commit()
        return contact

    @roles(*MANAGERS)
    @loads(get_contact_or_404, "contact_id", "contact")
    @blp.response(204)
    def delete(self, agency_slug: str, contact: Contact) -> None:
        """Remove a contact person (owners and managers); the removal is audited."""
        _authorize(can_delete_contact(g.actor, contact))
        delete_contact(g.actor, contact)
        commit()
        return None


# --- assignments ---------------------------------------------------------------------------


@blp.route("/clients/<int:client_id>/assignments")
class ClientAssignments(MethodView):
    @roles(*ALL_ROLES)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(AssignmentFilterArgs, location="query")
    @blp.response(200, AssignmentPageOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """A client's VA assignments, newest first, history included (client contacts see
        the current team only). `current=true|false` narrows the list."""
        stmt = client_assignments_query(g.actor, client)
        if "current" in args:
            running = current_assignment_filter(agency_today(g.actor))
            stmt = stmt.where(running if args["current"] else ~running)
        page = paginate(stmt, args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(AssignmentIn)
    @blp.response(201, AssignmentOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> Assignment:
        """Assign an active VA to the client as primary or backup (owners and managers).
        A new primary takes over from the current one on its start date; a VA already on
        the client, or a primary scheduled from that date on, is a 409."""
        _authorize(can_assign_client(g.actor, client))
        assignment = assign_va(g.actor, client, data)
        commit()
        return assignment


@blp.route("/assignments/<int:assignment_id>")
class AssignmentResource(MethodView):
    @roles(*ALL_ROLES)
    @loads(get_assignment_or_404, "assignment_id", "assignment")
    @blp.response(200, AssignmentOut)
    def get(self, agency_slug: str, assignment: Assignment) -> Assignment:
        """One assignment."""
        return assignment


@blp.route("/assignments/<int:assignment_id>/end")
class AssignmentEnd(MethodView):
    @roles(*MANAGERS)
    @loads(get_assignment_or_404, "assignment_id", "assignment")
    @blp.arguments(AssignmentEndIn, required=False)
    @blp.response(200, AssignmentOut)
    def post(self, data: dict, agency_slug: str, assignment: Assignment) -> Assignment:
        """End an assignment (owners and managers): `ends_on` is the first day off the
        client, default today. Nothing is deleted; the row stays in the history."""
        _authorize(can_end_assignment(g.actor, assignment))
        end_assignment(g.actor, assignment, data.get("ends_on"))
        commit()
        return assignment


# --- service packages ----------------------------------------------------------------------


@blp.route("/packages")
class PackagesResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, PackagePageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """The agency's service catalogue with prices (owners and managers)."""
        _authorize(can_manage_packages(g.actor))
        page = paginate(package_list_query(g.actor), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @blp.arguments(PackageIn)
    @blp.response(201, PackageOut)
    def post(self, data: dict, agency_slug: str) -> ServicePackage:
        """Add a package to the catalogue (owners and managers)."""
        _authorize(can_manage_packages(g.actor))
        package = create_package(g.actor, data)
        commit()
        return package


@blp.route("/packages/<int:package_id>")
class PackageResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_package_or_404, "package_id", "package")
    @blp.response(200, PackageOut)
    def get(self, agency_slug: str, package: ServicePackage) -> ServicePackage:
        """One package."""
        return package

    @roles(*MANAGERS)
    @loads(get_package_or_404, "package_id", "package")
    @blp.arguments(PackagePatchIn(partial=True))
    @blp.response(200, PackageOut)
    def patch(self, data: dict, agency_slug: str, package: ServicePackage) -> ServicePackage:
        """Change a package (owners and managers); `active: false` retires it."""
        _authorize(can_edit_package(g.actor, package))
        update_package(g.actor, package, data)
        commit()
        return package
