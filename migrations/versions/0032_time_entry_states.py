"""Time entries carry their approval and their invoice: approved time is locked, billed
time is locked for good and billed at most once (the invoice and line that took it).

Revision ID: 0032_time_entry_states
Revises: 0031_time_entries
Create Date: 2026-12-06 22:20:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0032_time_entry_states"
down_revision = "0031_time_entries"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approved_at", app.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("invoice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("invoice_line_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_time_entries_approved_by_id_users",
            "users",
            ["approved_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_time_entries_invoice_id_invoices",
            "invoices",
            ["invoice_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_time_entries_invoice_line_id_invoice_lines",
            "invoice_lines",
            ["invoice_line_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_time_entries_invoice", ["invoice_id"], unique=False)


def downgrade():
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_time_entries_invoice")
        batch_op.drop_constraint(
            "fk_time_entries_invoice_line_id_invoice_lines", type_="foreignkey"
        )
        batch_op.drop_constraint("fk_time_entries_invoice_id_invoices", type_="foreignkey")
        batch_op.drop_constraint("fk_time_entries_approved_by_id_users", type_="foreignkey")
        batch_op.drop_column("invoice_line_id")
        batch_op.drop_column("invoice_id")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")
