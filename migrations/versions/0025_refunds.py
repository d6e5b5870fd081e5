"""Payments: refunds (money returned to a client left in credit by a credit note).

Revision ID: 0025_refunds
Revises: 0024_work_items_open_due
Create Date: 2026-11-27 17:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025_refunds"
down_revision = "0024_work_items_open_due"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="payment", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("kind")
