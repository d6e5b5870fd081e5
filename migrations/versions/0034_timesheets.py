"""Weekly timesheets (submitted, approved, rejected, reopened; one per person and week) and
the agency's timesheet settings (the first day of the week; whether only managers with the
client assigned approve).

Revision ID: 0034_timesheets
Revises: 0033_rates
Create Date: 2026-12-07 12:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0034_timesheets"
down_revision = "0033_rates"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "timesheet_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.String(length=10), nullable=False),
        sa.Column("assigned_managers_only", sa.Boolean(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id"),
    )
    with op.batch_alter_table("timesheet_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timesheet_settings_agency_id"), ["agency_id"], unique=False
        )
    op.create_table(
        "timesheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("membership_id", "week_start", name="uq_timesheets_member_week"),
    )
    with op.batch_alter_table("timesheets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timesheets_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            "ix_timesheets_agency_state_week", ["agency_id", "state", "week_start"], unique=False
        )


def downgrade():
    with op.batch_alter_table("timesheets", schema=None) as batch_op:
        batch_op.drop_index("ix_timesheets_agency_state_week")
        batch_op.drop_index(batch_op.f("ix_timesheets_agency_id"))
    op.drop_table("timesheets")
    with op.batch_alter_table("timesheet_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timesheet_settings_agency_id"))
    op.drop_table("timesheet_settings")
