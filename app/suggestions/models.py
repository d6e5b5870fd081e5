"""Skill tags: short lowercase words set by owners and managers on a VA's membership, on an
SOP and on a client. One table per kind of target, so each tag row has a real foreign key
(deleting the target deletes its tags) and one tag appears once per target."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.tenancy import TenantScoped
from app.extensions import db

TAG_MAX = 40
TAGS_PER_TARGET = 30


class MemberSkillTag(TenantScoped, db.Model):
    __tablename__ = "member_skill_tags"
    __table_args__ = (sa.UniqueConstraint("membership_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(sa.String(TAG_MAX))


class SopSkillTag(TenantScoped, db.Model):
    __tablename__ = "sop_skill_tags"
    __table_args__ = (sa.UniqueConstraint("sop_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sop_id: Mapped[int] = mapped_column(sa.ForeignKey("sops.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(sa.String(TAG_MAX))


class ClientSkillTag(TenantScoped, db.Model):
    __tablename__ = "client_skill_tags"
    __table_args__ = (sa.UniqueConstraint("client_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(sa.String(TAG_MAX))


# target kind -> (model, column holding the target's id)
TAG_MODELS = {
    "member": (MemberSkillTag, MemberSkillTag.membership_id),
    "sop": (SopSkillTag, SopSkillTag.sop_id),
    "client": (ClientSkillTag, ClientSkillTag.client_id),
}
