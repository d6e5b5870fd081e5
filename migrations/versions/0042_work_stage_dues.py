"""Stored due moments of the SOP stages of open work (work_stage_dues), so the master
calendar finds a month's stage deadlines of a large agency through an index, filled for
the open work already there; and work items not cancelled by due time (the calendar's
work deadlines, read a day at a time in order).

Revision ID: 0042_work_stage_dues
Revises: 0041_review_quality_index
Create Date: 2026-12-07 09:40:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0042_work_stage_dues"
down_revision = "0041_review_quality_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_stage_dues",
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage_key", sa.String(length=80), nullable=False),
        sa.Column("stage_title", sa.String(length=200), nullable=False),
        sa.Column("due_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_work_stage_dues_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            ["work_items.id"],
            name=op.f("fk_work_stage_dues_work_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_item_id", "place", name=op.f("pk_work_stage_dues")),
    )
    op.create_index("ix_work_stage_dues_agency_due", "work_stage_dues", ["agency_id", "due_at"])
    op.create_index(op.f("ix_work_stage_dues_agency_id"), "work_stage_dues", ["agency_id"])
    op.create_index(
        "ix_work_items_shown_due",
        "work_items",
        ["agency_id", "due_at", "id"],
        postgresql_where=sa.text("state <> 'cancelled'"),
        sqlite_where=sa.text("state <> 'cancelled'"),
    )
    from app.work.stage_index import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_work_items_shown_due", table_name="work_items")
    op.drop_index(op.f("ix_work_stage_dues_agency_id"), table_name="work_stage_dues")
    op.drop_index("ix_work_stage_dues_agency_due", table_name="work_stage_dues")
    op.drop_table("work_stage_dues")
