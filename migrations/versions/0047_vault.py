"""Credential vault: each agency's data keys (wrapped by a master key) and client entries
whose secret is stored only encrypted.

Revision ID: 0047_vault
Revises: 0046_work_closed_at
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0047_vault"
down_revision = "0046_work_closed_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "version"),
    )
    op.create_index("ix_vault_keys_agency_id", "vault_keys", ["agency_id"])
    op.create_table(
        "vault_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("username", sa.String(length=320), nullable=True),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index("ix_vault_entries_agency_id", "vault_entries", ["agency_id"])
    op.create_index("ix_vault_entries_client_id", "vault_entries", ["client_id"])
    op.create_index(
        "ix_vault_entries_agency_key_version", "vault_entries", ["agency_id", "key_version"]
    )


def downgrade() -> None:
    op.drop_index("ix_vault_entries_agency_key_version", table_name="vault_entries")
    op.drop_index("ix_vault_entries_client_id", table_name="vault_entries")
    op.drop_index("ix_vault_entries_agency_id", table_name="vault_entries")
    op.drop_table("vault_entries")
    op.drop_index("ix_vault_keys_agency_id", table_name="vault_keys")
    op.drop_table("vault_keys")
