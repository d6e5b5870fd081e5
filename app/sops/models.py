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

`evidence` is one of none, link, file, note; `pass_mark` (1-5) is set for score criteria.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
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
