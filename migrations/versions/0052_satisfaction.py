"""Client satisfaction: CSAT after deliveries, quarterly NPS, and each agency's settings.

Revision ID: 0052_satisfaction
Revises: 0049_inbound_email
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0052_satisfaction"
down_revision = "0049_inbound_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=8), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("recipient_source", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("first_answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_item_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('csat', 'nps')", name="ck_surveys_kind"),
        sa.CheckConstraint(
            "score IS NULL OR (kind = 'csat' AND score BETWEEN 1 AND 5)"
            " OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name="ck_surveys_score",
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answered_by_id"], ["memberships.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["follow_up_item_id"], ["work_items.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "kind", "period", name="uq_surveys_client_kind_period"),
        sa.UniqueConstraint("work_item_id", name="uq_surveys_work_item"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_surveys_agency_id", "surveys", ["agency_id"])
    op.create_index("ix_surveys_agency_kind_sent", "surveys", ["agency_id", "kind", "sent_at"])
    op.create_index("ix_surveys_client_kind_sent", "surveys", ["client_id", "kind", "sent_at"])
    op.create_table(
        "survey_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("csat_interval_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", name="uq_survey_settings_agency"),
    )
    op.create_index("ix_survey_settings_agency_id", "survey_settings", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_settings_agency_id", table_name="survey_settings")
    op.drop_table("survey_settings")
    op.drop_index("ix_surveys_client_kind_sent", table_name="surveys")
    op.drop_index("ix_surveys_agency_kind_sent", table_name="surveys")
    op.drop_index("ix_surveys_agency_id", table_name="surveys")
    op.drop_table("surveys")
