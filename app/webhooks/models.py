"""Webhook endpoints (where an agency's events go, and the secret that signs them) and the
deliveries made to them.

The signing secret is stored only encrypted under the agency's vault data key (see
app.vault.services.seal_for_agency); after a rotation the previous secret stays valid, and
signs too, until `previous_secret_expires_at`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

URL_MAX = 2000
DESCRIPTION_MAX = 200
RESPONSE_MAX = 500
DELIVERY_STATUSES = ("queued", "delivering", "succeeded", "failed")


class WebhookEndpoint(TenantScoped, db.Model):
    """A URL receiving the events it asked for, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(URL_MAX))
    description: Mapped[str | None] = mapped_column(sa.String(DESCRIPTION_MAX))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    consecutive_failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    secret_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    secret_key_version: Mapped[int] = mapped_column(sa.Integer)
    previous_secret_ciphertext: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    previous_secret_key_version: Mapped[int | None] = mapped_column(sa.Integer)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        # Never the secrets: reprs end up in logs.
        return f"<WebhookEndpoint {self.id} enabled={self.enabled}>"


class WebhookDelivery(TenantScoped, db.Model):
    """One event sent (or to be sent) to one endpoint, with the outcome of its last try."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_order", "endpoint_id", "object_kind", "object_id", "id"),
        sa.CheckConstraint(
            "status IN ('queued', 'delivering', 'succeeded', 'failed')",
            name="webhook_deliveries_status_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    object_kind: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[str | None] = mapped_column(sa.String(RESPONSE_MAX))
    error: Mapped[str | None] = mapped_column(sa.String(500))
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    endpoint: Mapped[WebhookEndpoint] = relationship()
