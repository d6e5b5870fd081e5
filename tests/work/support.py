"""Set-up of the work item tests: an agency with every role, a client with a portal login,
a VA assigned to it (and one who is not), an SOP, and browsers and API clients that start
every request afresh, as in production."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.clients.models import Client
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from app.sops.models import SopVersion
from app.users.models import Membership
from app.work.models import ChecklistState, WorkEvent, WorkItem
from tests.clients.support import ApiClient, FreshClient, api
from tests.factories import (
    DEFAULT_SOP_DEFINITION,
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    SopFactory,
    SopVersionFactory,
)
from tests.objects import sign_in

__all__ = ["ApiClient", "Desk", "api", "emails", "events", "fetch_item", "make_desk", "web"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def web(app, membership: Membership) -> FreshClient:
    """A browser signed in as the membership's person (a real server-side session)."""
    client = FreshClient(app, app.response_class, use_cookies=True)
    sign_in(client, membership.user_id)
    return client


@dataclass
class Desk:
    agency: object
    owner: Membership
    manager: Membership
    va: Membership
    other_va: Membership  # active, but not assigned to the client
    qa: Membership
    contact: Membership  # the client's portal login
    client: Client
    sop_version: SopVersion
    approval_version: SopVersion  # an SOP that asks for the client's approval

    @property
    def slug(self) -> str:
        return self.agency.slug

    def item_body(self, **overrides) -> dict:
        body = {
            "title": "March report",
            "description": "Monthly figures for the board.",
            "sop_version_id": self.sop_version.id,
            "assignee_id": self.va.id,
            "reviewer_id": self.qa.id,
            "due_at": "2030-03-31T17:00",
            "urgent": True,
            "important": True,
        }
        body.update(overrides)
        return body


def make_desk(**agency_kw) -> Desk:
    agency = AgencyFactory(**agency_kw)
    client = ClientFactory(agency=agency, name="Harbour Bakery", time_zone="America/New_York")
    contact = MembershipFactory(agency=agency, role="client", client_id=client.id)
    ContactFactory(
        client=client, name="Hana Harbour", email=contact.user.email, membership_id=contact.id
    )
    va = MembershipFactory(agency=agency, role="va")
    AssignmentFactory(client=client, membership=va)
    sop_version = SopVersionFactory(sop=SopFactory(agency=agency, title="Monthly report"))
    definition = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    definition.update(slug="social-post", title="Social post", client_approval=True)
    approval_version = SopVersionFactory(
        sop=SopFactory(agency=agency, title="Social post"), definition=definition
    )
    return Desk(
        agency=agency,
        owner=MembershipFactory(agency=agency, role="owner"),
        manager=MembershipFactory(agency=agency, role="manager"),
        va=va,
        other_va=MembershipFactory(agency=agency, role="va"),
        qa=MembershipFactory(agency=agency, role="qa"),
        contact=contact,
        client=client,
        sop_version=sop_version,
        approval_version=approval_version,
    )


def fetch_item(item_id: int) -> WorkItem:
    with all_tenants():
        return db.session.scalar(
            sa.select(WorkItem)
            .where(WorkItem.id == item_id)
            .execution_options(populate_existing=True)
        )


def checks(item_id: int) -> dict[str, ChecklistState]:
    with all_tenants():
        rows = db.session.scalars(
            sa.select(ChecklistState)
            .where(ChecklistState.work_item_id == item_id)
            .execution_options(populate_existing=True)
        )
        return {c.item_key: c for c in rows}


def events(item_id: int, kind: str | None = None) -> list[WorkEvent]:
    with all_tenants():
        stmt = sa.select(WorkEvent).where(WorkEvent.work_item_id == item_id)
        if kind:
            stmt = stmt.where(WorkEvent.kind == kind)
        return list(db.session.scalars(stmt.order_by(WorkEvent.id)))


def emails(prefix: str = "work:") -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like(f"{prefix}%"))
                .order_by(OutboundEmail.id)
            )
        )


def soon(days: int = 3) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
