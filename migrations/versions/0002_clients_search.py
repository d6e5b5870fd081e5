"""Clients: substring search indexes (trigram on PostgreSQL, plain elsewhere)

Revision ID: 0002_clients_search
Revises: 0001
Create Date: 2026-11-28 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0002_clients_search"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The postgresql_* options are ignored on other backends, which get a plain index.
    op.create_index(
        "ix_clients_name_trgm",
        "clients",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_contacts_email_trgm",
        "contacts",
        ["email"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("ix_contacts_email_trgm", table_name="contacts")
    op.drop_index("ix_clients_name_trgm", table_name="clients")
