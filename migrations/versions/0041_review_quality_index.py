"""Reviews by agency, outcome and date, with their work item (index only): the quality
figures and the cockpit's first-pass yield read an agency's approvals of the last 30 or 90
days, then the rework rounds of those items only.

Revision ID: 0041_review_quality_index
Revises: 0040_payouts
Create Date: 2026-12-07 06:00:00

"""

from alembic import op

revision = "0041_review_quality_index"
down_revision = "0040_payouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reviews_agency_outcome_created",
        "reviews",
        ["agency_id", "outcome", "created_at"],
        postgresql_include=["work_item_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_agency_outcome_created", table_name="reviews")
