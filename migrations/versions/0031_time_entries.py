"""Time: the agency's activities and its people's time entries (a running timer is an entry
without an end, at most one per member). Existing agencies get the default activities.

Revision ID: 0031_time_entries
Revises: 0030_outbound_email_attempts
Create Date: 2026-12-06 20:40:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db
from app.core.clock import utcnow

revision = "0031_time_entries"
down_revision = "0030_outbound_email_attempts"
branch_labels = None
depends_on = None

DEFAULT_ACTIVITIES = (
    "Admin",
    "Email and messages",
    "Meetings and calls",
    "Research",
    "Scheduling",
)
RUNNING = sa.text("started_at IS NOT NULL AND ended_at IS NULL")


def upgrade():
    activities = op.create_table(
        "time_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "name", name="uq_time_activities_name"),
    )
    with op.batch_alter_table("time_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_time_activities_agency_id"), ["agency_id"], unique=False
        )
    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("billable", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("started_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["time_activities.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_entries_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            "ix_time_entries_client_date", ["agency_id", "client_id", "entry_date"], unique=False
        )
        batch_op.create_index(
            "ix_time_entries_member_date",
            ["agency_id", "membership_id", "entry_date"],
            unique=False,
        )
        batch_op.create_index("ix_time_entries_work_item", ["work_item_id"], unique=False)
        batch_op.create_index(
            "uq_time_entries_running",
            ["membership_id"],
            unique=True,
            postgresql_where=RUNNING,
            sqlite_where=RUNNING,
        )
    agencies = sa.table("agencies", sa.column("id", sa.Integer()))
    now = utcnow()
    rows = [
        {"agency_id": agency_id, "name": name, "active": True, "created_at": now}
        for (agency_id,) in op.get_bind().execute(sa.select(agencies.c.id))
        for name in DEFAULT_ACTIVITIES
    ]
    if rows:
        op.bulk_insert(activities, rows)


def downgrade():
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index("uq_time_entries_running")
        batch_op.drop_index("ix_time_entries_work_item")
        batch_op.drop_index("ix_time_entries_member_date")
        batch_op.drop_index("ix_time_entries_client_date")
        batch_op.drop_index(batch_op.f("ix_time_entries_agency_id"))
    op.drop_table("time_entries")
    with op.batch_alter_table("time_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_activities_agency_id"))
    op.drop_table("time_activities")
