"""Read side of the client portal's home: what a client contact has to act on and what the
agency did for them, as plain values (their own client only, by the same visibility rules as
the item and invoice pages).

Work requests: owners and managers see every request of the agency, a client contact their
own client's, nobody else any (`visible_work_requests`); the portal home lists the contact's
open and recently decided ones, the staff page all open ones (oldest first) and the latest
decided.

Work: items QA approved at least once (`visible_work_items` for a client contact), split
into waiting for their approval, still with the agency, and recently delivered. Invoices:
what is owed, per currency, and the latest documents. A fixed number of statements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.formatting import format_elapsed
from app.core.permissions import MANAGERS, Actor
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.queries import display_status, visible_invoices
from app.payments.overview import Owed, owed_per_currency
from app.portal.models import WorkRequest
from app.sops.models import Sop
from app.work.models import WorkItem
from app.work.queries import visible_work_items

RECENT = 8
DECIDED_SHOWN = 20
DECIDED_RECENT_DAYS = 30


@dataclass
class PortalItem:
    id: int
    title: str
    state: str
    due_at: dt.datetime | None
    approved_at: dt.datetime | None
    delivered_at: dt.datetime | None
    sop_title: str


@dataclass
class PortalHome:
    client_name: str = ""
    client_locale: str = "en"
    client_zone: str = "UTC"
    waiting: list[PortalItem] = field(default_factory=list)
    with_agency: list[PortalItem] = field(default_factory=list)
    delivered: list[PortalItem] = field(default_factory=list)
    delivered_total: int = 0
    owed: list[Owed] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)
    requests: RequestLists | None = None
    seen_item_ids: set[int] = field(default_factory=set)


def _items(stmt: sa.Select) -> list[PortalItem]:
    rows = db.session.execute(
        stmt.with_only_columns(
            WorkItem.id,
            WorkItem.title,
            WorkItem.state,
            WorkItem.due_at,
            WorkItem.approved_at,
            WorkItem.delivered_at,
            Sop.title,
        ).join(Sop, Sop.id == WorkItem.sop_id)
    ).all()
    return [PortalItem(*row[:6], sop_title=row[6] or "") for row in rows]


def portal_home(actor: Actor) -> PortalHome:
    """The portal home of a client contact (empty for anyone else)."""
    home = PortalHome()
    if actor.role != "client":
        return home
    client = db.session.get(Client, actor.membership.client_id)
    if client is not None:
        home.client_name = client.name
        home.client_locale = client.locale or "en"
        home.client_zone = client.time_zone or "UTC"
    base = visible_work_items(actor)
    home.waiting = _items(
        base.where(WorkItem.state == "awaiting_client").order_by(
            WorkItem.approved_at.asc().nulls_last(), WorkItem.id
        )
    )
    home.with_agency = _items(
        base.where(WorkItem.state.not_in(("awaiting_client", "delivered", "cancelled")))
        .order_by(WorkItem.due_at.asc().nulls_last(), WorkItem.id)
        .limit(RECENT)
    )
    delivered = base.where(WorkItem.state == "delivered")
    home.delivered_total = (
        db.session.scalar(delivered.with_only_columns(sa.func.count(WorkItem.id))) or 0
    )
    home.delivered = _items(
        delivered.order_by(WorkItem.delivered_at.desc().nulls_last(), WorkItem.id.desc()).limit(
            RECENT
        )
    )
    home.invoices = list(
        db.session.scalars(
            visible_invoices(actor)
            .order_by(Invoice.issue_date.desc().nulls_last(), Invoice.id.desc())
            .limit(RECENT)
        )
    )
    home.statuses = {i.id: display_status(i) for i in home.invoices}
    home.owed = owed_per_currency(actor)
    home.requests = request_lists(actor)
    accepted = [r.work_item_id for r in home.requests.decided if r.work_item_id]
    if accepted:
        home.seen_item_ids = set(
            db.session.scalars(base.where(WorkItem.id.in_(accepted)).with_only_columns(WorkItem.id))
        )
    return home


# --- work requests ------------------------------------------------------------


def visible_work_requests(actor: Actor) -> sa.Select:
    """Requests the actor may see (lists and details use the same rule)."""
    stmt = sa.select(WorkRequest)
    if actor.role in MANAGERS:
        return stmt
    if actor.role == "client" and actor.membership.client_id is not None:
        return stmt.where(WorkRequest.client_id == actor.membership.client_id)
    return stmt.where(sa.false())


def get_work_request_or_404(actor: Actor, request_id: int) -> WorkRequest:
    """A request the actor may see, or 404 (another agency's id is simply not found)."""
    found = db.session.scalar(visible_work_requests(actor).where(WorkRequest.id == request_id))
    if found is None:
        raise NotFound()
    return found


def filtered_work_requests(actor: Actor, status: str | None = None) -> sa.Select:
    """The API list: open first (oldest first), then decided (latest first)."""
    stmt = visible_work_requests(actor)
    if status:
        stmt = stmt.where(WorkRequest.status == status)
    is_open = sa.case((WorkRequest.status == "open", 0), else_=1)
    return stmt.order_by(
        is_open,
        sa.case((WorkRequest.status == "open", WorkRequest.created_at), else_=None).asc(),
        WorkRequest.decided_at.desc(),
        WorkRequest.id,
    )


@dataclass
class RequestLists:
    open: list[WorkRequest]
    decided: list[WorkRequest]


def request_lists(actor: Actor) -> RequestLists:
    """Open requests oldest first, and the latest decided ones (recent only for clients)."""
    base = visible_work_requests(actor)
    open_ = list(
        db.session.scalars(
            base.where(WorkRequest.status == "open").order_by(
                WorkRequest.created_at, WorkRequest.id
            )
        )
    )
    decided_stmt = base.where(WorkRequest.status != "open")
    if actor.role == "client":
        since = utcnow() - dt.timedelta(days=DECIDED_RECENT_DAYS)
        decided_stmt = decided_stmt.where(WorkRequest.decided_at >= since)
    decided = list(
        db.session.scalars(
            decided_stmt.order_by(WorkRequest.decided_at.desc(), WorkRequest.id.desc()).limit(
                DECIDED_SHOWN
            )
        )
    )
    return RequestLists(open=open_, decided=decided)


def open_request_count(actor: Actor) -> int:
    return (
        db.session.scalar(
            visible_work_requests(actor)
            .where(WorkRequest.status == "open")
            .with_only_columns(sa.func.count(WorkRequest.id))
        )
        or 0
    )


def waited(created_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long a request has waited, in words ("3 days", "5 hours", "12 minutes")."""
    return format_elapsed(created_at, now)
