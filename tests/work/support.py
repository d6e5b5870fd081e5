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
from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants
from app.extensions import db
from app.sops.models import SopVersion
from app.users.models import Membership, UserSession
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

__all__ = ["ApiClient", "Desk", "api", "emails", "events", "fetch_item", "make_desk", "web"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def web(app, membership: Membership) -> FreshClient:
    """A browser signed in as the membership's person (a real server-side session, flushed
    into the test's transaction; not committed, so the test's objects stay loaded)."""
    client = FreshClient(app, app.response_class, use_cookies=True)
    sid = new_token()
    with all_tenants():
        db.session.add(
            UserSession(user_id=membership.user_id, token_hash=token_hash(sid), ip="127.0.0.1")
        )
        db.session.flush()
    with client.session_transaction() as session:
        session["sid"] = sid
        session["_user_id"] = str(membership.user_id)
        session["_fresh"] = True
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


def upload(client_api: ApiClient, item_id: int, check_id: int, data: bytes, name: str):
    """POST a file as multipart/form-data to a checklist item's evidence-file route."""
    import io

    return client_api.client.post(
        client_api._url(f"/work-items/{item_id}/checklist/{check_id}/evidence-file"),
        data={"file": (io.BytesIO(data), name)},
        headers=client_api.headers,
        content_type="multipart/form-data",
    )


class Flow:
    """Drives one work item through the API as the right person at each step."""

    def __init__(self, app, desk: Desk, *, client_approval: bool = False, **body) -> None:
        self.desk = desk
        self.owner = api(app, desk.owner)
        self.va = api(app, desk.va)
        self.qa = api(app, desk.qa)
        self.contact = api(app, desk.contact)
        version = desk.approval_version if client_approval else desk.sop_version
        resp = self.owner.post(
            f"/clients/{desk.client.id}/work-items",
            json=desk.item_body(**{"sop_version_id": version.id, **body}),
        )
        assert resp.status_code == 201, resp.json
        self.id = resp.json["id"]
        self.ids = {c.item_key: c.id for c in checks(self.id).values()}

    def url(self, suffix: str = "") -> str:
        return f"/work-items/{self.id}{suffix}"

    def ok(self, resp, status: int = 200):
        assert resp.status_code == status, resp.json
        return resp

    def start(self):
        return self.ok(self.va.post(self.url("/start"), json={}))

    def complete_checklist(self):
        va = self.va
        self.ok(va.patch(self.url(f"/checklist/{self.ids['collect']}"), json={"done": True}))
        self.ok(
            va.post(
                self.url(f"/checklist/{self.ids['draft']}/evidence"),
                json={"link": "https://docs.example.test/draft"},
            )
        )
        self.ok(va.patch(self.url(f"/checklist/{self.ids['draft']}"), json={"done": True}))
        self.ok(upload(va, self.id, self.ids["report"], PDF, "report.pdf"))
        self.ok(va.patch(self.url(f"/checklist/{self.ids['report']}"), json={"done": True}))

    def submit(self):
        return self.ok(self.va.post(self.url("/submit"), json={}))

    def take(self):
        return self.ok(self.qa.post(self.url("/take"), json={}))

    def approve(self):
        return self.ok(
            self.qa.post(self.url("/approve"), json={"scores": {"accurate": "pass", "clear": 5}})
        )

    def request_changes(self):
        return self.ok(
            self.qa.post(
                self.url("/request-changes"),
                json={"scores": {"accurate": "fail"}, "reasons": {"accurate": "Totals are off"}},
            )
        )

    def to(self, state: str) -> Flow:
        """Walk the happy path until the item is in `state`."""
        steps = [
            ("in_progress", lambda: (self.start(), self.complete_checklist())),
            ("submitted", self.submit),
            ("in_review", self.take),
            ("approved", self.approve),
        ]
        if fetch_item(self.id).state == state:
            return self
        for target, step in steps:
            step()
            if fetch_item(self.id).state == state or target == state:
                break
        assert fetch_item(self.id).state == state
        return self
