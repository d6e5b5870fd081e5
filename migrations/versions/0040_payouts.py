"""Subcontractor payouts: the agency's payout period, statements per person, period and
currency, their lines (a ledger of which days' costs each statement covered) and
adjustments.

Revision ID: 0040_payouts
Revises: 0039_exchange_rates
Create Date: 2026-12-07 05:30:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0040_payouts"
down_revision = "0039_exchange_rates"
branch_labels = None
depends_on = None


def _agency() -> list:
    return [
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
    ]


def _dt(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, app.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "payout_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=12), nullable=False),
        sa.Column("week_start", sa.String(length=10), nullable=False),
        sa.Column("fortnight_anchor", sa.Date(), nullable=True),
        *_agency(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id"),
    )
    op.create_index("ix_payout_settings_agency_id", "payout_settings", ["agency_id"])
    op.create_table(
        "payout_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        _dt("generated_at", False),
        *_agency(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "period_start"),
    )
    op.create_index("ix_payout_runs_agency_id", "payout_runs", ["agency_id"])
    op.create_table(
        "payout_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("lines_minor", sa.BigInteger(), nullable=False),
        sa.Column("adjustments_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("unpriced_seconds", sa.BigInteger(), nullable=False),
        _dt("unpriced_accepted_at"),
        sa.Column("unpriced_accepted_by_id", sa.Integer(), nullable=True),
        _dt("generated_at", False),
        _dt("reviewed_at"),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("paid_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_method", sa.String(length=20), nullable=True),
        sa.Column("paid_reference", sa.String(length=200), nullable=True),
        _dt("paid_at"),
        sa.Column("paid_by_id", sa.Integer(), nullable=True),
        sa.Column("pdf_key", sa.String(length=300), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        _dt("created_at", False),
        *_agency(),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unpriced_accepted_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["paid_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "membership_id", "period_start", "currency", name="uq_payout_statements_member_period"
        ),
    )
    op.create_index("ix_payout_statements_agency_id", "payout_statements", ["agency_id"])
    op.create_index(
        "ix_payout_statements_agency_period",
        "payout_statements",
        ["agency_id", "period_start", "state"],
    )
    op.create_table(
        "payout_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("source_start", sa.Date(), nullable=False),
        sa.Column("source_end", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("sop_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("rate_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        *_agency(),
        sa.ForeignKeyConstraint(["statement_id"], ["payout_statements.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sop_id"], ["sops.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payout_lines_agency_id", "payout_lines", ["agency_id"])
    op.create_index("ix_payout_lines_statement", "payout_lines", ["statement_id"])
    op.create_table(
        "payout_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _dt("created_at", False),
        *_agency(),
        sa.ForeignKeyConstraint(["statement_id"], ["payout_statements.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payout_adjustments_agency_id", "payout_adjustments", ["agency_id"])
    op.create_index("ix_payout_adjustments_statement_id", "payout_adjustments", ["statement_id"])


def downgrade():
    op.drop_table("payout_adjustments")
    op.drop_table("payout_lines")
    op.drop_table("payout_statements")
    op.drop_table("payout_runs")
    op.drop_table("payout_settings")
