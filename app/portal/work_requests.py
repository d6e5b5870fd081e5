"""Read side of work requests (what a client asks the agency to do): owners and managers see
every request of the agency, a client contact their own client's, nobody else any
(`visible_work_requests`). The portal home lists the contact's open and recently decided
ones, the staff page all open ones (oldest first) and the latest decided; the item form
(app.work.views) reads one to prefill a new work item.

Nothing here reads billing, so the work pages can use it without depending on invoices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.core.clock import utcnow
from app.core.formatting import format_elapsed
from app.core.permissions import MANAGERS, Actor
from app.extensions import db
from app.portal.models import WorkRequest

DECIDED_SHOWN = 20
DECIDED_RECENT_DAYS = 30


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
