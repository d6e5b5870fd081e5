"""Deposit gate: an owner's waiver that lets a client's work start before the deposit is paid.

Revision ID: 0054_deposit_waivers
Revises: 0050_status_digest
Create Date: 2026-12-07 16:20:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0054_deposit_waivers"
down_revision = "0050_status_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deposit_waivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("waived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["waived_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index("ix_deposit_waivers_agency_id", "deposit_waivers", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_deposit_waivers_agency_id", table_name="deposit_waivers")
    op.drop_table("deposit_waivers")
