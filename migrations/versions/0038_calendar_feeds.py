"""Per-person iCalendar feeds of the master calendar (a secret token stored as a hash,
revocable; at most one live feed per membership).

Revision ID: 0038_calendar_feeds
Revises: 0037_capacity
Create Date: 2026-12-07 05:30:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0038_calendar_feeds"
down_revision = "0037_capacity"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_fetched_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fetch_count", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_membership_id"), ["membership_id"], unique=False
        )
        batch_op.create_index(
            "uq_calendar_feeds_live_member",
            ["membership_id"],
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index("uq_calendar_feeds_live_member")
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_membership_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_agency_id"))
    op.drop_table("calendar_feeds")
