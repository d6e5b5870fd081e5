"""Time blocks of the week planner: a member's planned minutes on a work item.

Revision ID: 0044_time_blocks
Revises: 0043_work_logged_seconds
Create Date: 2026-12-07 09:30:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0044_time_blocks"
down_revision = "0043_work_logged_seconds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("minutes > 0 AND minutes <= 720", name="time_blocks_minutes"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("time_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_blocks_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            "ix_time_blocks_member_start", ["membership_id", "starts_at"], unique=False
        )
        batch_op.create_index("ix_time_blocks_work_item", ["work_item_id"], unique=False)


def downgrade() -> None:
    op.drop_table("time_blocks")
