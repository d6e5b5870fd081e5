"""Contract terms on clients; intake questionnaires, their versions, requests and answers.

Revision ID: 0053_intake
Revises: 0052_satisfaction
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0053_intake"
down_revision = "0052_satisfaction"
branch_labels = None
depends_on = None


def _tenant(table: str) -> list:
    return [
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.add_column("clients", sa.Column("scope", sa.Text(), nullable=True))
    op.add_column(
        "clients",
        sa.Column(
            "confidentiality", sa.String(length=16), nullable=False, server_default="standard"
        ),
    )
    op.add_column("clients", sa.Column("confidentiality_notes", sa.Text(), nullable=True))
    op.add_column("clients", sa.Column("termination_notice_days", sa.Integer(), nullable=True))
    op.add_column("clients", sa.Column("contract_starts_on", sa.Date(), nullable=True))

    op.create_table(
        "intake_questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        *_tenant("intake_questionnaires"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_questionnaires_agency_id", "intake_questionnaires", ["agency_id"])
    op.create_table(
        "intake_questionnaire_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        *_tenant("intake_questionnaire_versions"),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"], ["intake_questionnaires.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("questionnaire_id", "number"),
    )
    op.create_index(
        "ix_intake_questionnaire_versions_agency_id",
        "intake_questionnaire_versions",
        ["agency_id"],
    )
    op.create_index(
        "ix_intake_questionnaire_versions_questionnaire_id",
        "intake_questionnaire_versions",
        ["questionnaire_id"],
    )
    op.create_table(
        "intake_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        *_tenant("intake_requests"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"], ["intake_questionnaires.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["intake_questionnaire_versions.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "version_id"),
    )
    for column in ("agency_id", "client_id", "questionnaire_id", "version_id"):
        op.create_index(f"ix_intake_requests_{column}", "intake_requests", [column])
    op.create_table(
        "intake_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        *_tenant("intake_answers"),
        sa.ForeignKeyConstraint(["request_id"], ["intake_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "number"),
    )
    op.create_index("ix_intake_answers_agency_id", "intake_answers", ["agency_id"])
    op.create_index("ix_intake_answers_request_id", "intake_answers", ["request_id"])


def downgrade() -> None:
    op.drop_table("intake_answers")
    op.drop_table("intake_requests")
    op.drop_table("intake_questionnaire_versions")
    op.drop_table("intake_questionnaires")
    for column in (
        "contract_starts_on",
        "termination_notice_days",
        "confidentiality_notes",
        "confidentiality",
        "scope",
    ):
        op.drop_column("clients", column)
