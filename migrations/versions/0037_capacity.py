"""Capacity: staff working hours (per weekday, own zone) and holiday country, time off
(requested, approved, declined, cancelled), client business hours, and recurring client
meeting slots (weekday and time in the client's zone).

Revision ID: 0037_capacity
Revises: 0036_report_indexes
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0037_capacity"
down_revision = "0036_report_indexes"
branch_labels = None
depends_on = None


def _agency_index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_agency_id"), ["agency_id"], unique=False)


def upgrade():
    op.create_table(
        "working_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("subdivision", sa.String(length=10), nullable=True),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("membership_id", name="uq_working_hours_member"),
    )
    _agency_index("working_hours")
    op.create_table(
        "client_business_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", name="uq_client_business_hours_client"),
    )
    _agency_index("client_business_hours")
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name="time_off_days_ordered"),
        sa.CheckConstraint(
            "minutes IS NULL OR (minutes > 0 AND minutes <= 1440 AND starts_on = ends_on)",
            name="time_off_minutes_one_day",
        ),
        sa.CheckConstraint("kind IN ('vacation', 'sick', 'other')", name="time_off_kind_known"),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'declined', 'cancelled')",
            name="time_off_state_known",
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    _agency_index("time_off")
    with op.batch_alter_table("time_off", schema=None) as batch_op:
        batch_op.create_index(
            "ix_time_off_member_days", ["membership_id", "starts_on", "ends_on"], unique=False
        )
        batch_op.create_index("ix_time_off_agency_state", ["agency_id", "state"], unique=False)
    op.create_table(
        "meeting_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="meeting_slots_weekday"),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440", name="meeting_slots_start_minute"
        ),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="meeting_slots_duration"
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _agency_index("meeting_slots")
    with op.batch_alter_table("meeting_slots", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_slots_client", ["client_id"], unique=False)
        batch_op.create_index("ix_meeting_slots_member", ["membership_id"], unique=False)


def downgrade():
    op.drop_table("meeting_slots")
    op.drop_table("time_off")
    op.drop_table("client_business_hours")
    op.drop_table("working_hours")
