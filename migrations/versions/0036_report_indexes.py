"""Indexes of the time reports at an agency's size: a covering index of entries by day
(the month's report by client reads it alone, without the table), and delivered work items
by SOP version and delivery (the SOP library's latest delivered items of each version);
a person's entries by day now carry what the top bar's recent clients read (index only).

Revision ID: 0036_report_indexes
Revises: 0035_hour_banks
Create Date: 2026-12-07 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0036_report_indexes"
down_revision = "0035_hour_banks"
branch_labels = None
depends_on = None

COVERED = [
    "id", "client_id", "membership_id", "activity_id", "work_item_id", "billable",
    "duration_seconds", "started_at", "ended_at", "approved_at", "invoice_id",
]  # fmt: skip


MEMBER_COVERED = ["id", "client_id", "started_at", "ended_at", "created_at"]


def upgrade():
    op.drop_index("ix_time_entries_member_date", table_name="time_entries")
    op.create_index(
        "ix_time_entries_member_date",
        "time_entries",
        ["agency_id", "membership_id", "entry_date"],
        postgresql_include=MEMBER_COVERED,
    )
    op.create_index(
        "ix_time_entries_agency_date",
        "time_entries",
        ["agency_id", "entry_date"],
        postgresql_include=COVERED,
    )
    op.create_index(
        "ix_work_items_sop_version_delivered",
        "work_items",
        ["sop_version_id", "delivered_at", "id"],
        postgresql_where=sa.text("delivered_at IS NOT NULL"),
        sqlite_where=sa.text("delivered_at IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_work_items_sop_version_delivered", table_name="work_items")
    op.drop_index("ix_time_entries_agency_date", table_name="time_entries")
    op.drop_index("ix_time_entries_member_date", table_name="time_entries")
    op.create_index(
        "ix_time_entries_member_date",
        "time_entries",
        ["agency_id", "membership_id", "entry_date"],
    )
