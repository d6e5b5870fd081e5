"""Read side of request threads: a request's messages and files, for whoever may see the
request (app.portal.work_requests decides that; these take an already loaded request)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.extensions import db
from app.inbound.models import IntakeAddress, RequestFile, RequestMessage
from app.portal.models import WorkRequest
from app.users.models import Membership


@dataclass
class Thread:
    opening: RequestMessage | None = None
    messages: list[RequestMessage] = field(default_factory=list)
    files: dict[int, list[RequestFile]] = field(default_factory=dict)  # by message id
    dropped: list[dict] = field(default_factory=list)
    from_client: set[int] = field(default_factory=set)  # ids of the client's messages

    def by_client(self, message: RequestMessage) -> bool:
        """Whether the client wrote it (by email, or in the portal), else the agency."""
        return message.id in self.from_client


def request_thread(work_request: WorkRequest) -> Thread:
    """The request's messages oldest first (the opening mail apart) and their files: two
    queries however long the thread (a third when a portal login without a contact record
    answered, to tell it from the agency)."""
    thread = Thread()
    rows = db.session.scalars(
        sa.select(RequestMessage)
        .where(RequestMessage.work_request_id == work_request.id)
        .order_by(RequestMessage.received_at, RequestMessage.id)
    ).all()
    for row in rows:
        if row.opens_request:
            thread.opening = row
        else:
            thread.messages.append(row)
        for dropped in row.dropped_files or ():
            thread.dropped.append(dropped)
        if row.contact_id is not None:
            thread.from_client.add(row.id)
    portal_authors = {
        row.author_user_id for row in rows if row.contact_id is None and row.author_user_id
    }
    if portal_authors:  # answers in the portal by a login with no contact record
        clients = set(
            db.session.scalars(
                sa.select(Membership.user_id).where(
                    Membership.user_id.in_(portal_authors),
                    Membership.role == "client",
                    Membership.client_id == work_request.client_id,
                )
            )
        )
        thread.from_client.update(
            row.id for row in rows if row.contact_id is None and row.author_user_id in clients
        )
    for found in db.session.scalars(
        sa.select(RequestFile)
        .where(RequestFile.work_request_id == work_request.id)
        .order_by(RequestFile.id)
    ):
        thread.files.setdefault(found.message_id, []).append(found)
    return thread


def get_request_file_or_404(work_request: WorkRequest, file_id: int) -> RequestFile:
    """A file of a request the actor could already load, or 404."""
    found = db.session.scalar(
        sa.select(RequestFile).where(
            RequestFile.id == file_id, RequestFile.work_request_id == work_request.id
        )
    )
    if found is None:
        raise NotFound()
    return found


def intake_token(client: Client) -> str | None:
    """The client's current token, or None when the address was never made (no write)."""
    return db.session.scalar(
        sa.select(IntakeAddress.token).where(IntakeAddress.client_id == client.id)
    )
