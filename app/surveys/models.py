"""Client satisfaction surveys: a CSAT question after a delivery, an NPS question once per
calendar quarter, each answered once (changeable for 24 hours) from a link or the portal.

One row per survey sent, whatever the number of contacts it went to: they share its secret
link (only the token's hash is kept), and the first answer is the client's answer.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.work.models import WorkItem

KINDS = ("csat", "nps")
SCALES = {"csat": (1, 5), "nps": (0, 10)}
# A low answer opens a follow-up work item for the owner.
LOW_SCORES = {"csat": 2, "nps": 6}
DEFAULT_CSAT_INTERVAL_DAYS = 14
LINK_DAYS = 30  # how long an emailed answer link works
CHANGE_HOURS = 24  # an answer may be changed this long after it was first given


class Survey(TenantScoped, db.Model):
    """One question sent to a client's contacts, and the client's answer."""

    __tablename__ = "surveys"
    __table_args__ = (
        # NPS: one per client and quarter ("2026Q4"); CSAT rows have no period (NULLs differ).
        sa.UniqueConstraint("client_id", "kind", "period", name="uq_surveys_client_kind_period"),
        # CSAT: one per delivered work item.
        sa.UniqueConstraint("work_item_id", name="uq_surveys_work_item"),
        sa.CheckConstraint("kind IN ('csat', 'nps')", name="ck_surveys_kind"),
        sa.CheckConstraint(
            "score IS NULL OR (kind = 'csat' AND score BETWEEN 1 AND 5)"
            " OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name="ck_surveys_score",
        ),
        # The figures and the list: an agency's surveys of one kind by date.
        sa.Index("ix_surveys_agency_kind_sent", "agency_id", "kind", "sent_at"),
        # The N-day rule: a client's latest CSAT.
        sa.Index("ix_surveys_client_kind_sent", "client_id", "kind", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    work_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="SET NULL")
    )
    period: Mapped[str | None] = mapped_column(sa.String(8))
    # Who it went to and why them: "approver" (the contact who approved the work) or
    # "contacts" (every contact of the client with an email).
    recipients: Mapped[list] = mapped_column(sa.JSON, default=list)
    recipient_source: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(sa.Text)
    first_answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    follow_up_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="SET NULL")
    )

    client: Mapped[Client] = relationship()
    work_item: Mapped[WorkItem | None] = relationship(foreign_keys=[work_item_id])


class SurveySettings(TenantScoped, db.Model):
    """An agency's survey settings (no row: the defaults)."""

    __tablename__ = "survey_settings"
    __table_args__ = (sa.UniqueConstraint("agency_id", name="uq_survey_settings_agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # At most one CSAT per client in this many days, however much is delivered.
    csat_interval_days: Mapped[int] = mapped_column(default=DEFAULT_CSAT_INTERVAL_DAYS)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
