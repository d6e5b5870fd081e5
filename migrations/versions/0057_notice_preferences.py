"""Notification preferences: how each member receives each kind of notification, and the
notices held for their daily summary.

Revision ID: 0057_notice_preferences
Revises: 0055_work_series
Create Date: 2026-12-07 21:50:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0057_notice_preferences"
down_revision = "0055_work_series"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("membership_id", "kind", name="uq_notice_preferences_member_kind"),
        sa.CheckConstraint(
            "channel IN ('now', 'daily', 'off')", name="notice_preferences_channel_known"
        ),
    )
    op.create_index("ix_notice_preferences_agency_id", "notice_preferences", ["agency_id"])
    op.create_index("ix_notice_preferences_membership_id", "notice_preferences", ["membership_id"])
    op.create_table(
        "held_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("summary_email_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["summary_email_id"], ["outbound_emails.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_held_notices_key"),
    )
    op.create_index("ix_held_notices_agency_id", "held_notices", ["agency_id"])
    op.create_index(
        "ix_held_notices_pending", "held_notices", ["membership_id", "summary_email_id"]
    )


def downgrade() -> None:
    op.drop_table("held_notices")
    op.drop_table("notice_preferences")
