"""Skill tags on VAs (memberships), SOPs and clients, for assignment suggestions.

Revision ID: 0045_skill_tags
Revises: 0044_time_blocks
Create Date: 2026-12-07 09:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0045_skill_tags"
down_revision = "0044_time_blocks"
branch_labels = None
depends_on = None

TABLES = (
    ("member_skill_tags", "membership_id", "memberships"),
    ("sop_skill_tags", "sop_id", "sops"),
    ("client_skill_tags", "client_id", "clients"),
)


def upgrade() -> None:
    for table, column, target in TABLES:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.Column("tag", sa.String(length=40), nullable=False),
            sa.Column("agency_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint(column, "tag"),
        )
        op.create_index(f"ix_{table}_agency_id", table, ["agency_id"])
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column, _target in reversed(TABLES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_index(f"ix_{table}_agency_id", table_name=table)
        op.drop_table(table)
