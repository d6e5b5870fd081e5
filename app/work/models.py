"""Work items, their checklist states, evidence files, history and reviews.

States: todo -> in_progress -> submitted -> in_review -> changes_requested (-> in_progress)
or approved -> awaiting_client -> client_approved | client_changes (-> in_progress) ->
delivered; cancelled from any open state. Every change goes through app.work.services.
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
from app.sops.models import SopVersion
from app.users.models import Membership, User

STATES = (
    "todo", "in_progress", "submitted", "in_review", "changes_requested", "approved",
    "awaiting_client", "client_approved", "client_changes", "delivered", "cancelled",
)  # fmt: skip
OPEN_STATES = tuple(s for s in STATES if s not in ("delivered", "cancelled"))
_OPEN_SQL = "state IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"
QUADRANTS = {  # (urgent, important) -> Eisenhower quadrant
    (True, True): "do",
    (False, True): "schedule",
    (True, False): "delegate",
    (False, False): "eliminate",
}
EVENT_KINDS = (
    "created", "transition", "comment", "checklist", "evidence", "assignment", "updated",
)  # fmt: skip
REVIEW_OUTCOMES = ("approved", "changes_requested", "client_approved", "client_changes")


class WorkItem(TenantScoped, db.Model):
    __tablename__ = "work_items"
    __table_args__ = (
        sa.Index("ix_work_items_assignee_state_due", "assignee_id", "state", "due_at"),
        sa.Index("ix_work_items_reviewer_state", "reviewer_id", "state", "submitted_at"),
        sa.Index("ix_work_items_client_state", "client_id", "state"),
        sa.Index("ix_work_items_agency_state_due", "agency_id", "state", "due_at"),
        # The board filtered by SOP (any version of it): a short range per column.
        sa.Index("ix_work_items_sop_state_due", "agency_id", "sop_id", "state", "due_at"),
        # The latest delivered items of an SOP version (its actual time in the SOP library).
        sa.Index(
            "ix_work_items_sop_version_delivered",
            "sop_version_id",
            "delivered_at",
            "id",
            postgresql_where=sa.text("delivered_at IS NOT NULL"),
            sqlite_where=sa.text("delivered_at IS NOT NULL"),
        ),
        # Open work by due time across every open state (the "All work" list's default
        # view): read in order, counted from the index alone.
        sa.Index(
            "ix_work_items_open_due",
            "agency_id",
            "due_at",
            "id",
            postgresql_where=sa.text(_OPEN_SQL),
            sqlite_where=sa.text(_OPEN_SQL),
        ),
        # A team's open work with what the workload needs (due, estimate, time logged),
        # read from the index alone.
        sa.Index(
            "ix_work_items_open_plan",
            "agency_id",
            "assignee_id",
            postgresql_include=["due_at", "estimate_minutes", "logged_seconds"],
            postgresql_where=sa.text(_OPEN_SQL),
            sqlite_where=sa.text(_OPEN_SQL),
        ),
        # Deadlines of work not cancelled (the master calendar): a day's first few read in
        # order, a range's count from the index alone.
        sa.Index(
            "ix_work_items_shown_due",
            "agency_id",
            "due_at",
            "id",
            postgresql_where=sa.text("state <> 'cancelled'"),
            sqlite_where=sa.text("state <> 'cancelled'"),
        ),
        # The list's title search (ILIKE '%q%') within one agency: GIN over the agency
        # (btree_gin) and the title's trigrams on PostgreSQL, a plain index elsewhere.
        sa.Index(
            "ix_work_items_title_trgm",
            "agency_id",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        # The agency's QA queue, oldest submission first: only the items waiting for review
        # (a few percent of all), read in order and counted from the index alone.
        sa.Index(
            "ix_work_items_queue",
            "agency_id",
            "submitted_at",
            "id",
            postgresql_where=sa.text("state IN ('submitted', 'in_review')"),
            sqlite_where=sa.text("state IN ('submitted', 'in_review')"),
        ),
        # A person's open items by due time, with when they were made (strain: what is past
        # due now and what was a week ago, from the index alone).
        sa.Index(
            "ix_work_items_open_late",
            "agency_id",
            "assignee_id",
            "due_at",
            postgresql_include=["created_at"],
            postgresql_where=sa.text(_OPEN_SQL),
            sqlite_where=sa.text(_OPEN_SQL),
        ),
        # Items delivered or cancelled lately (strain: what was overdue a week ago).
        sa.Index(
            "ix_work_items_delivered_at",
            "agency_id",
            "delivered_at",
            postgresql_where=sa.text("delivered_at IS NOT NULL"),
            sqlite_where=sa.text("delivered_at IS NOT NULL"),
        ),
        sa.UniqueConstraint("series_id", "sequence", name="uq_work_items_series_sequence"),
        sa.Index(
            "ix_work_items_cancelled_at",
            "agency_id",
            "cancelled_at",
            postgresql_where=sa.text("cancelled_at IS NOT NULL"),
            sqlite_where=sa.text("cancelled_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    sop_version_id: Mapped[int] = mapped_column(sa.ForeignKey("sop_versions.id"))
    # The SOP of that version, kept beside it (set on insert, see below) for the board.
    sop_id: Mapped[int] = mapped_column(sa.ForeignKey("sops.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)  # sanitized HTML
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(sa.String(20), default="todo")
    urgent: Mapped[bool] = mapped_column(default=False)
    important: Mapped[bool] = mapped_column(default=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    estimate_minutes: Mapped[int | None] = mapped_column()
    # Seconds of time entries on the item (app.time.logged keeps it).
    logged_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    rework_rounds: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A recurring series' items are numbered 1, 2, 3 ... (unique: the next one is made once).
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_series.id", ondelete="SET NULL"), index=True
    )
    sequence: Mapped[int | None] = mapped_column()
    # Mid-SOP client approval (app.work.approvals): the stage at the client now, and the
    # last stage the client approved (later stages open up to the next approval stage).
    client_stage_key: Mapped[str | None] = mapped_column(sa.String(80))
    approved_stage_key: Mapped[str | None] = mapped_column(sa.String(80))
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    client: Mapped[Client] = relationship()
    sop_version: Mapped[SopVersion] = relationship()
    assignee: Mapped[Membership | None] = relationship(foreign_keys=[assignee_id])
    reviewer: Mapped[Membership | None] = relationship(foreign_keys=[reviewer_id])
    checklist: Mapped[list[ChecklistState]] = relationship(
        back_populates="work_item", order_by="ChecklistState.position"
    )
    series: Mapped[WorkSeries | None] = relationship(foreign_keys=[series_id])

    @property
    def quadrant(self) -> str:
        return QUADRANTS[(bool(self.urgent), bool(self.important))]


@sa.event.listens_for(WorkItem, "before_insert")
def _sop_of_version(_mapper: object, connection: sa.Connection, item: WorkItem) -> None:
    """`sop_id` follows `sop_version_id` (a version never moves to another SOP)."""
    if item.sop_id is None:
        item.sop_id = connection.scalar(
            sa.select(SopVersion.sop_id).where(SopVersion.id == item.sop_version_id)
        )


SERIES_CADENCES = ("weekly", "fortnightly", "monthly")
SERIES_STATUSES = ("active", "paused", "ended")


class WorkSeries(TenantScoped, db.Model):
    """Recurring work on one client: each item of the series is made from the SOP's current
    version, one cadence after the one before (app.work.series)."""

    __tablename__ = "work_series"
    __table_args__ = (sa.Index("ix_work_series_client", "client_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    sop_id: Mapped[int] = mapped_column(sa.ForeignKey("sops.id"))
    # "Weekly update, week of {week}": {week}, {date}, {month} and {n} are filled per item.
    title_pattern: Mapped[str] = mapped_column(sa.String(200))
    cadence: Mapped[str] = mapped_column(sa.String(12))
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    next_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the next item's
    status: Mapped[str] = mapped_column(sa.String(8), default="active")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    client: Mapped[Client] = relationship()
    assignee: Mapped[Membership | None] = relationship(foreign_keys=[assignee_id])
    reviewer: Mapped[Membership | None] = relationship(foreign_keys=[reviewer_id])


class ChecklistState(TenantScoped, db.Model):
    """One SOP checklist item on one work item: copied from the SOP version at creation."""

    __tablename__ = "checklist_states"
    __table_args__ = (sa.UniqueConstraint("work_item_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    stage_key: Mapped[str] = mapped_column(sa.String(80))
    item_key: Mapped[str] = mapped_column(sa.String(80))
    text: Mapped[str] = mapped_column(sa.String(500))
    required: Mapped[bool] = mapped_column(default=True)
    evidence_kind: Mapped[str] = mapped_column(sa.String(8), default="none")
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    evidence_link: Mapped[str | None] = mapped_column(sa.String(2000))
    evidence_note: Mapped[str | None] = mapped_column(sa.Text)  # sanitized HTML
    evidence_file_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evidence_files.id", ondelete="SET NULL")
    )

    work_item: Mapped[WorkItem] = relationship(back_populates="checklist")
    evidence_file: Mapped[EvidenceFile | None] = relationship(foreign_keys=[evidence_file_id])

    @property
    def has_evidence(self) -> bool:
        kind = self.evidence_kind
        if kind == "link":
            return bool(self.evidence_link)
        if kind == "note":
            return bool(self.evidence_note)
        if kind == "file":
            return self.evidence_file_id is not None
        return True


class EvidenceFile(TenantScoped, db.Model):
    """An uploaded file, stored outside the static folder under a server-made key."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(200))  # the uploader's name, for display
    content_type: Mapped[str] = mapped_column(sa.String(100))  # detected from the bytes
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkEvent(TenantScoped, db.Model):
    """The item's history: transitions, comments, checklist and evidence changes."""

    __tablename__ = "work_events"
    __table_args__ = (sa.Index("ix_work_events_item_at", "work_item_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(sa.ForeignKey("work_items.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    body: Mapped[str | None] = mapped_column(sa.Text)  # sanitized HTML
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    internal: Mapped[bool] = mapped_column(default=False)  # hidden from client contacts

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_user_id])


class Review(TenantScoped, db.Model):
    """A QA review or a client decision on one round of a work item."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.Index("ix_reviews_reviewer_created", "reviewer_id", "created_at"),
        # Quality and the cockpit: an agency's reviews of one outcome by date, with the item
        # (index only; see migration 0041).
        sa.Index(
            "ix_reviews_agency_outcome_created",
            "agency_id",
            "outcome",
            "created_at",
            postgresql_include=["work_item_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    round: Mapped[int] = mapped_column()  # 1 for the first submission, 2 after one rework ...
    outcome: Mapped[str] = mapped_column(sa.String(20))
    # {criterion_key: {"score": 1-5 | null, "passed": bool, "reason": str | null}}
    scores: Mapped[dict | None] = mapped_column(sa.JSON)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    waited_seconds: Mapped[int | None] = mapped_column()  # submission -> decision
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reviewer: Mapped[Membership | None] = relationship(foreign_keys=[reviewer_id])
