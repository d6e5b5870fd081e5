"""Outbound emails: when the current attempt began, when its body went to the server, and
the server's answer, so a message left `sending` by a crash is resent only when safe.

Revision ID: 0030_outbound_email_attempts
Revises: 0029_signup_requests
Create Date: 2026-12-06 13:10:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0030_outbound_email_attempts"
down_revision = "0029_signup_requests"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempt_started_at", app.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("data_sent_at", app.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("smtp_reply", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_column("smtp_reply")
        batch_op.drop_column("data_sent_at")
        batch_op.drop_column("attempt_started_at")
