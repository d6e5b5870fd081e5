"""Retainer plans: a monthly amount a client is billed, drafted as an invoice each month,
and the plan's bank of hours (included hours, rollover, overage and alerts)."""

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

ROLLOVER_POLICIES = ("none", "up_to_hours", "expire_after_months")
OVERAGE_MODES = ("next_invoice", "top_up")
THRESHOLDS = (80, 100)


class RetainerPlan(TenantScoped, db.Model):
    """A client's monthly retainer: a draft invoice appears on the agency's recurring day.

    With `included_hours`, the plan is a bank of hours: the client's approved billable time
    draws on it month by month (from `bank_from`), unused hours roll over by
    `rollover_policy`, and hours over the bank are billed at `overage_rate_minor` an hour,
    as lines of the next retainer draft or as a top-up draft (`overage_mode`).
    `overage_billed_through` is the last month whose overage was billed (idempotency)."""

    __tablename__ = "retainer_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(sa.String(200))
    monthly_amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    included_hours: Mapped[Decimal | None] = mapped_column(Numeric)
    active: Mapped[bool] = mapped_column(default=True)
    last_generated_month: Mapped[str | None] = mapped_column(sa.String(7))  # "2026-11"
    rollover_policy: Mapped[str] = mapped_column(
        sa.String(20), default="none", server_default="none"
    )
    rollover_hours: Mapped[Decimal | None] = mapped_column(Numeric)  # up_to_hours: N
    rollover_months: Mapped[int | None] = mapped_column()  # expire_after_months: M
    overage_rate_minor: Mapped[int | None] = mapped_column(sa.BigInteger)  # an hour
    overage_mode: Mapped[str] = mapped_column(
        sa.String(16), default="next_invoice", server_default="next_invoice"
    )
    alert_client_contact: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    bank_from: Mapped[str | None] = mapped_column(sa.String(7))  # first month of the bank
    overage_billed_through: Mapped[str | None] = mapped_column(sa.String(7))

    __table_args__ = (
        sa.CheckConstraint(
            "rollover_policy IN ('none', 'up_to_hours', 'expire_after_months')",
            name="rollover_policy_known",
        ),
        sa.CheckConstraint("overage_mode IN ('next_invoice', 'top_up')", name="overage_mode_known"),
    )


class RetainerHourAlert(TenantScoped, db.Model):
    """An alert sent for a plan's month at a threshold (80 or 100 % of the bank): at most one."""

    __tablename__ = "retainer_hour_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("retainer_plans.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[str] = mapped_column(sa.String(7))
    threshold: Mapped[int] = mapped_column()
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("plan_id", "month", "threshold"),
        sa.CheckConstraint("threshold IN (80, 100)", name="threshold_known"),
    )
