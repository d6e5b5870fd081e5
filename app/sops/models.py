"""SOPs and their immutable versions.

Each agency has its own SOP library: the shipped files in `sops/` are loaded into every
agency by `flask sops sync`, and owners clone, edit and create SOPs in the app. A version is
identified by the hash of its canonical definition; saving a changed definition makes a new
version, and work in progress keeps the version it started with.

`SopVersion.definition` is the validated SOP as plain data (see sops/README.md):

    {"slug", "title", "version" (the author's label), "description", "roles": [...],
     "client_approval": bool,
     "stages": [{"key", "title", "due_offset_days",
                 "items": [{"key", "text", "required", "evidence", "estimate_minutes"}]}],
     "rubric": [{"key", "text", "kind": "pass_fail" | "score", "pass_mark"}]}

`evidence` is one of none, link, file, note; `pass_mark` (1-5) is set for score criteria
(null for pass_fail); a stage may also carry a `description` (guidance, or null).

Versions are immutable: the ORM refuses to flush a change to (or a deletion of) a loaded
SopVersion, and refuses UPDATE statements on the table; a new definition is a new row.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

SOP_SOURCES = ("file", "app")
EVIDENCE_KINDS = ("none", "link", "file", "note")
RUBRIC_KINDS = ("pass_fail", "score")


class Sop(TenantScoped, db.Model):
    __tablename__ = "sops"
    __table_args__ = (sa.UniqueConstraint("agency_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(160))
    source: Mapped[str] = mapped_column(sa.String(8), default="app")
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sop_versions.id", use_alter=True, ondelete="SET NULL")
    )
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    current_version: Mapped[SopVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class SopVersion(TenantScoped, db.Model):
    """One immutable version of an SOP (never updated after insert)."""

    __tablename__ = "sop_versions"
    __table_args__ = (
        sa.UniqueConstraint("sop_id", "number"),
        sa.UniqueConstraint("sop_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sop_id: Mapped[int] = mapped_column(sa.ForeignKey("sops.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()  # 1, 2, 3 ... per SOP, in order of saving
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    definition: Mapped[dict] = mapped_column(sa.JSON)
    yaml_text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    sop: Mapped[Sop] = relationship(foreign_keys=[sop_id])

    @property
    def label(self) -> str:
        """The author's version label (the file's `version`), e.g. "1.2"."""
        return str(self.definition.get("version", ""))

    @property
    def stages(self) -> list[dict]:
        return list(self.definition.get("stages") or [])

    @property
    def rubric(self) -> list[dict]:
        return list(self.definition.get("rubric") or [])

    @property
    def client_approval(self) -> bool:
        return bool(self.definition.get("client_approval"))

    @property
    def stage_count(self) -> int:
        return len(self.stages)

    @property
    def item_count(self) -> int:
        return sum(len(stage.get("items") or []) for stage in self.stages)

    @property
    def required_count(self) -> int:
        return sum(
            1 for stage in self.stages for item in stage.get("items") or [] if item.get("required")
        )

    @property
    def estimate_minutes(self) -> int:
        """The sum of the checklist items' estimates."""
        return sum(
            int(item.get("estimate_minutes") or 0)
            for stage in self.stages
            for item in stage.get("items") or []
        )


class ImmutableVersion(RuntimeError):
    """Something tried to change or delete a saved SopVersion; save a new version instead."""


@event.listens_for(Session, "before_flush")
def _versions_are_immutable(session: Session, flush_context: object, instances: object) -> None:
    for obj in session.dirty:
        if isinstance(obj, SopVersion) and session.is_modified(obj, include_collections=False):
            raise ImmutableVersion(f"SOP version {obj.id} is immutable; save a new version instead")
    for obj in session.deleted:
        if isinstance(obj, SopVersion):
            raise ImmutableVersion(f"SOP version {obj.id} is immutable; it cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_version_updates(state: ORMExecuteState) -> None:
    if state.is_update and any(m.class_ is SopVersion for m in state.all_mappers):
        raise ImmutableVersion("SOP versions are immutable; UPDATE statements are refused")
