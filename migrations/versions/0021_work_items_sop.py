"""Work items: the SOP (not only its version), so the board's SOP filter reads an index.

Revision ID: 0021_work_items_sop
Revises: 0020_invoices
Create Date: 2026-11-27 16:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_work_items_sop"
down_revision = "0020_invoices"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sop_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE work_items SET sop_id = "
        "(SELECT sop_versions.sop_id FROM sop_versions "
        "WHERE sop_versions.id = work_items.sop_version_id)"
    )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.alter_column("sop_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_work_items_sop_id_sops", "sops", ["sop_id"], ["id"])
        batch_op.create_index(
            "ix_work_items_sop_state_due", ["agency_id", "sop_id", "state", "due_at"]
        )


def downgrade():
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_sop_state_due")
        batch_op.drop_constraint("fk_work_items_sop_id_sops", type_="foreignkey")
        batch_op.drop_column("sop_id")
