"""Work requests: what a client contact asks for from their portal.

Revision ID: 0026_work_requests
Revises: 0025_refunds
Create Date: 2026-11-27 17:15:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0026_work_requests"
down_revision = "0025_refunds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "work_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("wanted_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=2000), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_work_requests_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_work_requests_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_work_requests_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["memberships.id"],
            name=op.f("fk_work_requests_requested_by_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            ["work_items.id"],
            name=op.f("fk_work_requests_work_item_id_work_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_requests")),
    )
    with op.batch_alter_table("work_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_requests_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_requests_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            "ix_work_requests_agency_status_created",
            ["agency_id", "status", "created_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("work_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_work_requests_agency_status_created")
        batch_op.drop_index(batch_op.f("ix_work_requests_client_id"))
        batch_op.drop_index(batch_op.f("ix_work_requests_agency_id"))
    op.drop_table("work_requests")
