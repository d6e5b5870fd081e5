"""Rates of time: effective-dated bill rates (work item, client and person, client, package,
agency default) and cost rates (hourly, or a fee per work item of an SOP), the agency's
time-billing settings, and whether managers see costs.

Revision ID: 0033_rates
Revises: 0032_time_entry_states
Create Date: 2026-12-07 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0033_rates"
down_revision = "0032_time_entry_states"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("managers_see_costs", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "time_billing_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rounding_increment", sa.Integer(), nullable=False),
        sa.Column("rounding_direction", sa.String(length=8), nullable=False),
        sa.Column("bill_only_qa_approved", sa.Boolean(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id"),
    )
    with op.batch_alter_table("time_billing_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_time_billing_settings_agency_id"), ["agency_id"], unique=False
        )
    op.create_table(
        "bill_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("service_package_id", sa.Integer(), nullable=True),
        sa.Column("rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("rate_minor >= 0", name="rate_not_negative"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["service_package_id"], ["service_packages.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "scope", "effective_from", name="uq_bill_rates_scope_day"),
    )
    with op.batch_alter_table("bill_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_rates_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index("ix_bill_rates_client", ["client_id"], unique=False)
        batch_op.create_index("ix_bill_rates_package", ["service_package_id"], unique=False)
        batch_op.create_index("ix_bill_rates_work_item", ["work_item_id"], unique=False)
    op.create_table(
        "cost_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=30), nullable=False),
        sa.Column("sop_id", sa.Integer(), nullable=True),
        sa.Column("rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("rate_minor >= 0", name="rate_not_negative"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sop_id"], ["sops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "agency_id", "membership_id", "scope", "effective_from", name="uq_cost_rates_scope_day"
        ),
    )
    with op.batch_alter_table("cost_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_rates_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            "ix_cost_rates_member", ["membership_id", "effective_from"], unique=False
        )


def downgrade():
    with op.batch_alter_table("cost_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_cost_rates_member")
        batch_op.drop_index(batch_op.f("ix_cost_rates_agency_id"))
    op.drop_table("cost_rates")
    with op.batch_alter_table("bill_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_bill_rates_work_item")
        batch_op.drop_index("ix_bill_rates_package")
        batch_op.drop_index("ix_bill_rates_client")
        batch_op.drop_index(batch_op.f("ix_bill_rates_agency_id"))
    op.drop_table("bill_rates")
    with op.batch_alter_table("time_billing_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_billing_settings_agency_id"))
    op.drop_table("time_billing_settings")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("managers_see_costs")
