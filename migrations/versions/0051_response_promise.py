"""Response-time promise: a clock per client message that needs an answer, and the
agency's business week and holiday calendar the clocks run in.

Revision ID: 0051_response_promise
Revises: 0054_deposit_waivers
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0051_response_promise"
down_revision = "0054_deposit_waivers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_business_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("subdivision", sa.String(length=10), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", name="uq_agency_business_hours_agency"),
    )
    op.create_index("ix_agency_business_hours_agency_id", "agency_business_hours", ["agency_id"])
    op.create_table(
        "response_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("va_membership_id", sa.Integer(), nullable=True),
        sa.Column("thread_kind", sa.String(length=16), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(length=24), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("promised_seconds", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("running_since", UTCDateTime(), nullable=True),
        sa.Column("business_seconds", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("warn_at", UTCDateTime(), nullable=True),
        sa.Column("warned_at", UTCDateTime(), nullable=True),
        sa.Column("breached_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state IN ('running', 'paused', 'answered')", name="response_clocks_state_known"
        ),
        sa.CheckConstraint("business_seconds >= 0", name="response_clocks_seconds_positive"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["va_membership_id"], ["memberships.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "agency_id", "source_kind", "source_id", name="uq_response_clocks_source"
        ),
    )
    op.create_index("ix_response_clocks_agency_id", "response_clocks", ["agency_id"])
    op.create_index("ix_response_clocks_va_membership_id", "response_clocks", ["va_membership_id"])
    op.create_index(
        "ix_response_clocks_thread",
        "response_clocks",
        ["agency_id", "thread_kind", "thread_id", "state"],
    )
    op.create_index("ix_response_clocks_state_due", "response_clocks", ["state", "due_at"])
    op.create_index(
        "ix_response_clocks_client_received",
        "response_clocks",
        ["agency_id", "client_id", "received_at"],
    )


def downgrade() -> None:
    op.drop_table("response_clocks")
    op.drop_table("agency_business_hours")
