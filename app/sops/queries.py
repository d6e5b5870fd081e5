"""Read side of SOPs: the library each actor may see, and the SOPs offered for new work.

Every `get_<noun>_or_404` loads through the matching `visible_<nouns>` query, so the library
and a training page never disagree; the tenant filter is added by the data layer on top.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from app.core.pagination import Page, paginate
from app.core.permissions import Actor
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.sops.policy import can_read_sops


def visible_sops(actor: Actor) -> sa.Select:
    """SOPs the actor may read (archived ones included): the whole library for the agency's
    staff, nothing for client contacts."""
    stmt = sa.select(Sop)
    if can_read_sops(actor):
        return stmt
    return stmt.where(sa.false())


def get_sop_or_404(actor: Actor, sop_id: int) -> Sop:
    """An SOP the actor may read, or 404 (another agency's id is simply not found)."""
    sop = db.session.scalar(
        visible_sops(actor).where(Sop.id == sop_id).options(joinedload(Sop.current_version))
    )
    if sop is None:
        raise NotFound()
    return sop


def visible_sop_versions(actor: Actor) -> sa.Select:
    """Versions of the SOPs the actor may read."""
    return sa.select(SopVersion).where(
        SopVersion.sop_id.in_(visible_sops(actor).with_only_columns(Sop.id))
    )


def get_sop_version_or_404(actor: Actor, version_id: int, sop_id: int | None = None) -> SopVersion:
    """A version of an SOP the actor may read, or 404; with `sop_id`, it must also be a
    version of that SOP (a URL naming one SOP and another's version is not found)."""
    stmt = visible_sop_versions(actor).where(SopVersion.id == version_id)
    if sop_id is not None:
        stmt = stmt.where(SopVersion.sop_id == sop_id)
    version = db.session.scalar(stmt.options(joinedload(SopVersion.sop)))
    if version is None:
        raise NotFound()
    return version


def active_sops_for_new_work(actor: Actor) -> list[Sop]:
    """SOPs new work may start from: not archived, with a current version (loaded), by title.
    Work items keep the version they started with; this only decides what is offered."""
    return list(
        db.session.scalars(
            visible_sops(actor)
            .where(Sop.archived_at.is_(None), Sop.current_version_id.is_not(None))
            .options(joinedload(Sop.current_version))
            .order_by(sa.func.lower(Sop.title), Sop.id)
        )
    )


def library_query(
    actor: Actor, *, include_archived: bool = True, q: str | None = None
) -> sa.Select:
    """The library list: live SOPs first, then archived ones, each by title."""
    stmt = visible_sops(actor).options(joinedload(Sop.current_version))
    if not include_archived:
        stmt = stmt.where(Sop.archived_at.is_(None))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            sa.or_(Sop.title.ilike(pattern, escape="\\"), Sop.slug.ilike(pattern, escape="\\"))
        )
    return stmt.order_by(Sop.archived_at.is_not(None), sa.func.lower(Sop.title), Sop.id)


def sop_page(actor: Actor, args: dict) -> Page:
    """One page of the library (API): `include_archived`, `q`, `page`, `per_page`."""
    stmt = library_query(
        actor, include_archived=args.get("include_archived", False), q=args.get("q")
    )
    return paginate(stmt, args.get("page", 1), args.get("per_page", 25))


def sop_versions_query(actor: Actor, sop: Sop) -> sa.Select:
    """An SOP's versions, newest first."""
    return (
        visible_sop_versions(actor)
        .where(SopVersion.sop_id == sop.id)
        .order_by(SopVersion.number.desc())
    )


def find_sop_by_slug(slug: str) -> Sop | None:
    """The current agency's SOP with this slug (services: sync, import, uniqueness)."""
    return db.session.scalar(sa.select(Sop).where(Sop.slug == slug))
