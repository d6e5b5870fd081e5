"""Exchange rates: per agency, 1 unit of a currency in the base currency from a day on.

Revision ID: 0039_exchange_rates
Revises: 0038_calendar_feeds
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0039_exchange_rates"
down_revision = "0038_calendar_feeds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(20, 10), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "agency_id", "currency", "effective_from", name="uq_exchange_rates_currency_day"
        ),
    )
    with op.batch_alter_table("exchange_rates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_rates_agency_id"), ["agency_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("exchange_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_rates_agency_id"))
    op.drop_table("exchange_rates")
