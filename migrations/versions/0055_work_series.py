"""Approvals that move work: mid-SOP client approval stages on work items, and recurring
work series (items numbered within their series, made once each).

Revision ID: 0055_work_series
Revises: 0056_onboarding
Create Date: 2026-12-07 16:40:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0055_work_series"
down_revision = "0056_onboarding"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("sop_id", sa.Integer(), nullable=False),
        sa.Column("title_pattern", sa.String(length=200), nullable=False),
        sa.Column("cadence", sa.String(length=12), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("next_due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sop_id"], ["sops.id"]),
        sa.ForeignKeyConstraint(["assignee_id"], ["memberships.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["memberships.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_series_agency_id", "work_series", ["agency_id"])
    op.create_index("ix_work_series_client", "work_series", ["client_id", "status"])
    # Batch mode: SQLite (the embedded database) rebuilds the table to add constraints.
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("client_stage_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("approved_stage_key", sa.String(length=80), nullable=True))
        batch_op.create_foreign_key(
            "work_items_series_id_fkey", "work_series", ["series_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_work_items_series_id", ["series_id"])
        batch_op.create_unique_constraint(
            "uq_work_items_series_sequence", ["series_id", "sequence"]
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_constraint("uq_work_items_series_sequence", type_="unique")
        batch_op.drop_index("ix_work_items_series_id")
        batch_op.drop_constraint("work_items_series_id_fkey", type_="foreignkey")
        for column in ("approved_stage_key", "client_stage_key", "sequence", "series_id"):
            batch_op.drop_column(column)
    op.drop_index("ix_work_series_client", table_name="work_series")
    op.drop_index("ix_work_series_agency_id", table_name="work_series")
    op.drop_table("work_series")
