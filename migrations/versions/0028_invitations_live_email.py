"""Invitations: at most one live (not accepted, not revoked) invitation per email in an
agency, so two invitations sent at once can't both leave a working link. Older duplicates
left by that race are revoked first (the newest one stays).

Revision ID: 0028_invitations_live_email
Revises: 0027_idempotency_keys
Create Date: 2026-12-06 13:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_invitations_live_email"
down_revision = "0027_idempotency_keys"
branch_labels = None
depends_on = None

LIVE = "accepted_at IS NULL AND revoked_at IS NULL"


def upgrade():
    op.execute(
        f"""
        UPDATE invitations SET revoked_at = created_at
        WHERE {LIVE} AND EXISTS (
            SELECT 1 FROM invitations AS newer
            WHERE newer.agency_id = invitations.agency_id
              AND newer.email = invitations.email
              AND newer.accepted_at IS NULL AND newer.revoked_at IS NULL
              AND newer.id > invitations.id
        )
        """
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_invitations_live_email",
            ["agency_id", "email"],
            unique=True,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("uq_invitations_live_email")
