"""Work items: open work of an agency by due time, for the "All work" list's default view.

Revision ID: 0024_work_items_open_due
Revises: 0023_work_items_title_search
Create Date: 2026-11-27 16:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_work_items_open_due"
down_revision = "0023_work_items_title_search"
branch_labels = None
depends_on = None

OPEN = (
    "state IN ('todo', 'in_progress', 'submitted', 'in_review', 'changes_requested', "
    "'approved', 'awaiting_client', 'client_approved', 'client_changes')"
)


def upgrade():
    op.create_index(
        "ix_work_items_open_due",
        "work_items",
        ["agency_id", "due_at", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade():
    op.drop_index("ix_work_items_open_due", table_name="work_items")
