"""Requests by email: clients' intake addresses, the thread and files of work requests, and
the In-Reply-To / References of outgoing replies.

Revision ID: 0049_inbound_email
Revises: 0048_vault_access
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0049_inbound_email"
down_revision = "0048_vault_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbound_emails", sa.Column("in_reply_to", sa.String(length=998), nullable=True))
    op.add_column("outbound_emails", sa.Column("references", sa.Text(), nullable=True))
    op.create_table(
        "intake_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("rotated_at", UTCDateTime(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_intake_addresses_agency_id", "intake_addresses", ["agency_id"])
    op.create_table(
        "work_request_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_request_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("outbound_email_id", sa.Integer(), nullable=True),
        sa.Column("opens_request", sa.Boolean(), nullable=False),
        sa.Column("dropped_files", sa.JSON(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_request_id"], ["work_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["outbound_email_id"], ["outbound_emails.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "message_id", name="uq_work_request_messages_mid"),
    )
    op.create_index("ix_work_request_messages_agency_id", "work_request_messages", ["agency_id"])
    op.create_index(
        "ix_work_request_messages_request_at",
        "work_request_messages",
        ["work_request_id", "received_at"],
    )
    op.create_table(
        "work_request_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_request_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_request_id"], ["work_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["work_request_messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_request_files_agency_id", "work_request_files", ["agency_id"])
    op.create_index(
        "ix_work_request_files_work_request_id", "work_request_files", ["work_request_id"]
    )
    op.create_index("ix_work_request_files_message_id", "work_request_files", ["message_id"])


def downgrade() -> None:
    op.drop_table("work_request_files")
    op.drop_table("work_request_messages")
    op.drop_table("intake_addresses")
    op.drop_column("outbound_emails", "references")
    op.drop_column("outbound_emails", "in_reply_to")
