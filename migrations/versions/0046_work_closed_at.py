"""Indexes of work items by when they were delivered and cancelled (each partial: only
items that were), and of a person's open items by due time with when they were made, so
the strain signals count what is overdue now and what was a week ago from the items open
now and the few closed since, not from every item an agency ever had.

Revision ID: 0046_work_closed_at
Revises: 0045_skill_tags
Create Date: 2026-12-07 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0046_work_closed_at"
down_revision = "0045_skill_tags"
branch_labels = None
depends_on = None


OPEN_SQL = (
    "state IN ('todo', 'in_progress', 'submitted', 'in_review', 'changes_requested', "
    "'approved', 'awaiting_client', 'client_approved', 'client_changes')"
)


def upgrade() -> None:
    op.create_index(
        "ix_work_items_open_late",
        "work_items",
        ["agency_id", "assignee_id", "due_at"],
        postgresql_include=["created_at"],
        postgresql_where=sa.text(OPEN_SQL),
        sqlite_where=sa.text(OPEN_SQL),
    )
    for column in ("delivered_at", "cancelled_at"):
        op.create_index(
            f"ix_work_items_{column}",
            "work_items",
            ["agency_id", column],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    op.drop_index("ix_work_items_open_late", table_name="work_items")
    for column in ("delivered_at", "cancelled_at"):
        op.drop_index(f"ix_work_items_{column}", table_name="work_items")
