"""Retainer plans: a monthly amount a client is billed, drafted as an invoice each month."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.tenancy import TenantScoped
from app.extensions import db
from app.invoices.models import Numeric


class RetainerPlan(TenantScoped, db.Model):
    """A client's monthly retainer: a draft invoice appears on the agency's recurring day."""

    __tablename__ = "retainer_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(sa.String(200))
    monthly_amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    included_hours: Mapped[Decimal | None] = mapped_column(Numeric)
    active: Mapped[bool] = mapped_column(default=True)
    last_generated_month: Mapped[str | None] = mapped_column(sa.String(7))  # "2026-11"
