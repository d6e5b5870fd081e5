"""Reminders sent by hand: no ladder step, at most one per invoice and client-local day.

Revision ID: 0022_manual_reminders
Revises: 0021_work_items_sop
Create Date: 2026-11-27 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022_manual_reminders"
down_revision = "0021_work_items_sop"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="ladder", nullable=False)
        )
        batch_op.add_column(sa.Column("manual_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sent_by_id", sa.Integer(), nullable=True))
        batch_op.alter_column("step_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            "fk_reminder_sends_sent_by_id_users", "users", ["sent_by_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
        batch_op.create_unique_constraint(
            "uq_reminder_sends_invoice_id_manual_day", ["invoice_id", "manual_day"]
        )


def downgrade():
    op.execute("DELETE FROM reminder_sends WHERE step_id IS NULL")
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reminder_sends_invoice_id_manual_day", type_="unique")
        batch_op.drop_constraint("fk_reminder_sends_sent_by_id_users", type_="foreignkey")
        batch_op.alter_column("step_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("sent_by_id")
        batch_op.drop_column("manual_day")
        batch_op.drop_column("kind")
