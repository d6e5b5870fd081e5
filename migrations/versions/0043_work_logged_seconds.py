"""Seconds of time logged on each work item (work_items.logged_seconds, kept by the app on
every time entry written), counted for the entries already there, so the workload reads a
team's remaining estimates without summing their time entries.

Revision ID: 0043_work_logged_seconds
Revises: 0042_work_stage_dues
Create Date: 2026-12-07 10:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0043_work_logged_seconds"
down_revision = "0042_work_stage_dues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(
            sa.Column("logged_seconds", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        """
        UPDATE work_items SET logged_seconds = (
            SELECT coalesce(sum(coalesce(t.duration_seconds, 0)), 0)
            FROM time_entries t WHERE t.work_item_id = work_items.id
        )
        """
    )
    open_sql = (
        "state IN ('todo', 'in_progress', 'submitted', 'in_review', 'changes_requested', "
        "'approved', 'awaiting_client', 'client_approved', 'client_changes')"
    )
    op.create_index(
        "ix_work_items_open_plan",
        "work_items",
        ["agency_id", "assignee_id"],
        postgresql_include=["due_at", "estimate_minutes", "logged_seconds"],
        postgresql_where=sa.text(open_sql),
        sqlite_where=sa.text(open_sql),
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_open_plan", table_name="work_items")
    with op.batch_alter_table("work_items") as batch:
        batch.drop_column("logged_seconds")
