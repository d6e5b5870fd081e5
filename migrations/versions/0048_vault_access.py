"""Credential vault access: a login session remembers when its person last confirmed who
they are (password or two-factor code), so revealing a secret can ask for a recent one.

Revision ID: 0048_vault_access
Revises: 0051_response_promise
Create Date: 2026-12-07 16:10:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0048_vault_access"
down_revision = "0051_response_promise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_sessions", sa.Column("reauth_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("user_sessions", "reauth_at")
