"""Requests by email: each client's private intake address, and the thread of messages
(emails received, staff replies) and files of a work request.

A message's `message_id` (its RFC 5322 Message-ID) is unique per agency, so a mail that is
delivered twice, or by two receivers at once, is stored once: the second insert waits for
the first transaction and then fails on the unique key.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clients.models import Client, Contact
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db


class IntakeAddress(TenantScoped, db.Model):
    """A client's `requests+<token>@<domain>` address; rotating it replaces the token."""

    __tablename__ = "intake_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), unique=True
    )
    # Random, lower-case base32 (mail systems may fold the case of a local part).
    token: Mapped[str] = mapped_column(sa.String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()


class RequestMessage(TenantScoped, db.Model):
    """One message of a work request's thread: a mail from a client contact (the one that
    opened the request has `opens_request`), or a staff reply emailed to the client."""

    __tablename__ = "work_request_messages"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "message_id", name="uq_work_request_messages_mid"),
        sa.Index("ix_work_request_messages_request_at", "work_request_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_requests.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL")
    )
    author_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(sa.String(160))
    body: Mapped[str | None] = mapped_column(sa.Text)  # sanitized HTML
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Received mail: its Message-ID; a staff reply: the Message-ID of the email we sent.
    message_id: Mapped[str | None] = mapped_column(sa.String(998))
    outbound_email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )
    opens_request: Mapped[bool] = mapped_column(default=False)
    # Attachments that were not kept: [{"filename", "reason"}].
    dropped_files: Mapped[list | None] = mapped_column(sa.JSON)

    contact: Mapped[Contact | None] = relationship()


class RequestFile(TenantScoped, db.Model):
    """A file that came with a request's mail, stored like work evidence."""

    __tablename__ = "work_request_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_requests.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_request_messages.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))  # detected from the bytes
    size: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
