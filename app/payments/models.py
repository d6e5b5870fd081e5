"""Payments and refunds recorded against issued invoices (refunds are negative)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.invoices.models import Numeric

PAYMENT_METHODS = ("bank_transfer", "paypal", "wise", "card", "cash", "other")


class Payment(TenantScoped, db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[dt.date] = mapped_column(sa.Date)
    method: Mapped[str] = mapped_column(sa.String(20))
    reference: Mapped[str | None] = mapped_column(sa.String(120))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)  # always positive
    # "payment" (from the client) or "refund" (money returned to them)
    kind: Mapped[str] = mapped_column(sa.String(8), default="payment", server_default="payment")
    rate_to_base: Mapped[Decimal | None] = mapped_column(Numeric)  # 1 invoice unit in base
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def signed_minor(self) -> int:
        """What it adds to the invoice's paid amount (a refund takes it back)."""
        return -self.amount_minor if self.kind == "refund" else self.amount_minor


class DepositWaiver(TenantScoped, db.Model):
    """An owner's decision that a client's work may start before its deposit is paid: one per
    client, with the reason (the decision and its withdrawal are in the audit log)."""

    __tablename__ = "deposit_waivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(sa.String(2000))
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
