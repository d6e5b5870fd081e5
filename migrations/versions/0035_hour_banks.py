"""Retainer hour banks: a plan's rollover policy, overage rate and mode, whether the client
contact hears the alerts, the bank's first month and the last month whose overage was
billed; the alerts sent (one per plan, month and threshold); and the agency's switch that
shows the bank's burn-down in the client portal.

Revision ID: 0035_hour_banks
Revises: 0034_timesheets
Create Date: 2026-12-07 12:00:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0035_hour_banks"
down_revision = "0034_timesheets"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("retainer_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rollover_policy", sa.String(length=20), server_default="none", nullable=False
            )
        )
        batch_op.add_column(sa.Column("rollover_hours", sa.Numeric(18, 6), nullable=True))
        batch_op.add_column(sa.Column("rollover_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("overage_rate_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "overage_mode", sa.String(length=16), server_default="next_invoice", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "alert_client_contact", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("bank_from", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("overage_billed_through", sa.String(length=7), nullable=True))
        batch_op.create_check_constraint(
            "rollover_policy_known",
            "rollover_policy IN ('none', 'up_to_hours', 'expire_after_months')",
        )
        batch_op.create_check_constraint(
            "overage_mode_known", "overage_mode IN ('next_invoice', 'top_up')"
        )
    # Existing plans start their bank this month: nothing rolls over from before.
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    op.execute(sa.text("UPDATE retainer_plans SET bank_from = :m").bindparams(m=month))
    with op.batch_alter_table("invoice_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("portal_hour_bank", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "retainer_hour_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("sent_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("threshold IN (80, 100)", name="threshold_known"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plan_id"], ["retainer_plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "month", "threshold"),
    )
    with op.batch_alter_table("retainer_hour_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retainer_hour_alerts_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_retainer_hour_alerts_plan_id"), ["plan_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("retainer_hour_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retainer_hour_alerts_plan_id"))
        batch_op.drop_index(batch_op.f("ix_retainer_hour_alerts_agency_id"))
    op.drop_table("retainer_hour_alerts")
    with op.batch_alter_table("invoice_settings", schema=None) as batch_op:
        batch_op.drop_column("portal_hour_bank")
    with op.batch_alter_table("retainer_plans", schema=None) as batch_op:
        batch_op.drop_constraint("overage_mode_known", type_="check")
        batch_op.drop_constraint("rollover_policy_known", type_="check")
        batch_op.drop_column("overage_billed_through")
        batch_op.drop_column("bank_from")
        batch_op.drop_column("alert_client_contact")
        batch_op.drop_column("overage_mode")
        batch_op.drop_column("overage_rate_minor")
        batch_op.drop_column("rollover_months")
        batch_op.drop_column("rollover_hours")
        batch_op.drop_column("rollover_policy")
