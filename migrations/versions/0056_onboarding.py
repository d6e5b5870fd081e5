"""Onboarding: a run per client engagement with its steps, and a package's onboarding SOP.

Revision ID: 0056_onboarding
Revises: 0053_intake
Create Date: 2026-12-07 16:40:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0056_onboarding"
down_revision = "0053_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_packages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("onboarding_sop_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_service_packages_onboarding_sop_id_sops",
            "sops",
            ["onboarding_sop_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "onboarding_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("packet_key", sa.String(length=300), nullable=True),
        sa.Column("packet_sha256", sa.String(length=64), nullable=True),
        sa.Column("packet_rendered_at", UTCDateTime(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "engagement"),
    )
    op.create_index("ix_onboarding_runs_agency_id", "onboarding_runs", ["agency_id"])
    op.create_index("ix_onboarding_runs_client_id", "onboarding_runs", ["client_id"])
    op.create_table(
        "onboarding_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["onboarding_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "key"),
    )
    op.create_index("ix_onboarding_steps_agency_id", "onboarding_steps", ["agency_id"])
    op.create_index("ix_onboarding_steps_run_id", "onboarding_steps", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_onboarding_steps_run_id", table_name="onboarding_steps")
    op.drop_index("ix_onboarding_steps_agency_id", table_name="onboarding_steps")
    op.drop_table("onboarding_steps")
    op.drop_index("ix_onboarding_runs_client_id", table_name="onboarding_runs")
    op.drop_index("ix_onboarding_runs_agency_id", table_name="onboarding_runs")
    op.drop_table("onboarding_runs")
    with op.batch_alter_table("service_packages", schema=None) as batch_op:
        batch_op.drop_constraint("fk_service_packages_onboarding_sop_id_sops", type_="foreignkey")
        batch_op.drop_column("onboarding_sop_id")
