"""Read side of suggestions: the skill tags of targets (in bulk), the target a tag page or
API call is about (404 when not the actor's agency's), and the eligible VAs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Assignment
from app.clients.queries import agency_today, current_assignment_filter, get_client_or_404
from app.core.permissions import Actor
from app.extensions import db
from app.sops.models import Sop
from app.sops.queries import get_sop_or_404
from app.suggestions.models import TAG_MODELS
from app.users.models import Membership, User
from app.users.queries import get_member_or_404

KINDS = tuple(TAG_MODELS)


def tags_for(kind: str, ids: Iterable[int]) -> dict[int, list[str]]:
    """{target id: its tags, sorted} for targets of one kind, in one statement."""
    wanted = sorted(set(ids))
    out: dict[int, list[str]] = defaultdict(list)
    if not wanted:
        return out
    model, column = TAG_MODELS[kind]
    rows = db.session.execute(
        sa.select(column, model.tag).where(column.in_(wanted)).order_by(column, model.tag)
    )
    for target_id, tag in rows:
        out[target_id].append(tag)
    return out


def tags_of(kind: str, target_id: int) -> list[str]:
    return tags_for(kind, [target_id]).get(target_id, [])


def get_tag_target_or_404(actor: Actor, kind: str, target_id: int) -> Any:
    """The membership, SOP or client whose tags are read or set (404 outside the agency)."""
    if kind == "member":
        member = get_member_or_404(actor, target_id)
        if member.role == "client":
            raise NotFound()
        return member
    if kind == "sop":
        return get_sop_or_404(actor, target_id)
    if kind == "client":
        return get_client_or_404(actor, target_id)
    raise NotFound()


def find_sop(sop_id: int) -> Sop | None:
    return db.session.get(Sop, sop_id)


def eligible_vas(actor: Actor, client_id: int, *, assigned_only: bool = False) -> list[tuple]:
    """(membership id, name, currently on the client) of the agency's active VAs, by name:
    the set the assignment form offers; with `assigned_only`, those on the client today
    (the set a work item's assignee is chosen from). One statement."""
    on_client = (
        sa.select(Assignment.id)
        .where(
            Assignment.membership_id == Membership.id,
            Assignment.client_id == client_id,
            current_assignment_filter(agency_today(actor)),
        )
        .exists()
    )
    stmt = (
        sa.select(Membership.id, User.name, on_client.label("assigned"))
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == "va", Membership.status == "active")
        .order_by(sa.func.lower(User.name), Membership.id)
    )
    if assigned_only:
        stmt = stmt.where(on_client)
    return [(row.id, row.name, bool(row.assigned)) for row in db.session.execute(stmt)]
