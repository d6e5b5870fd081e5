"""Work items: title search index for the "All work" list (trigram GIN on PostgreSQL).

Revision ID: 0023_work_items_title_search
Revises: 0022_manual_reminders
Create Date: 2026-11-27 16:40:00

"""

from alembic import op

revision = "0023_work_items_title_search"
down_revision = "0022_manual_reminders"
branch_labels = None
depends_on = None


def upgrade():
    # pg_trgm and btree_gin exist since 0002_clients_search; the postgresql_* options are
    # ignored elsewhere, which get a plain index.
    op.create_index(
        "ix_work_items_title_trgm",
        "work_items",
        ["agency_id", "title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("ix_work_items_title_trgm", table_name="work_items")
