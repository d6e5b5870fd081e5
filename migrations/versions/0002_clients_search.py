"""Clients: list and search indexes (agency + trigram GIN on PostgreSQL, plain elsewhere)

Revision ID: 0002_clients_search
Revises: 0001
Create Date: 2026-11-28 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0002_clients_search"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Both are trusted extensions (PostgreSQL 13+): the database owner may create them.
        # pg_trgm indexes substrings (ILIKE '%q%'); btree_gin lets the same GIN index hold
        # agency_id, so a search in one agency is one index scan.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    # The postgresql_* options are ignored on other backends, which get a plain index.
    op.create_index(
        "ix_clients_name_trgm",
        "clients",
        ["agency_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_clients_live_by_name",
        "clients",
        ["agency_id", "name", "id"],
        unique=False,
        postgresql_where=sa.text("archived_at IS NULL"),
        sqlite_where=sa.text("archived_at IS NULL"),
    )
    op.create_index(
        "ix_contacts_email_trgm",
        "contacts",
        ["agency_id", "email"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("ix_contacts_email_trgm", table_name="contacts")
    op.drop_index("ix_clients_live_by_name", table_name="clients")
    op.drop_index("ix_clients_name_trgm", table_name="clients")
