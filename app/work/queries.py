"""Read side of work items: who sees which items, their checklist, evidence and history.

Visibility (`visible_work_items`), the one rule every page, list and API call goes through:

- owners, managers and QA reviewers see every item of the agency;
- a VA sees the items of the clients they are currently assigned to;
- a client contact sees the items of their own client that QA has approved at least once
  (`approved_at` is set): what reached them for approval or delivery, including later
  rework on it, and work a mid-SOP approval stage sent them (app.work.approvals). Work
  that never passed QA nor reached them at a stage is not shown to the client.

The tenant filter is added by the data layer on top.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from app.clients.models import Assignment
from app.clients.queries import agency_today, current_assignment_filter
from app.core.clock import utcnow
from app.core.formatting import role_label
from app.core.pagination import Page, paginate
from app.core.permissions import Actor
from app.extensions import db
from app.sops.localize import localized_titles
from app.sops.models import SopVersion
from app.sops.queries import active_sops_for_new_work
from app.users.models import Membership, User
from app.work.models import (
    OPEN_STATES,
    ChecklistState,
    EvidenceFile,
    Review,
    WorkEvent,
    WorkItem,
)
from app.work.policy import REVIEWER_ROLES, can_see_internal


def visible_work_items(actor: Actor) -> sa.Select:
    """Work items the actor may see (see the module docstring)."""
    stmt = sa.select(WorkItem)
    if actor.role in ("owner", "manager", "qa"):
        return stmt
    if actor.role == "va":
        current = sa.select(Assignment.client_id).where(
            Assignment.membership_id == actor.membership.id,
            current_assignment_filter(agency_today(actor)),
        )
        return stmt.where(WorkItem.client_id.in_(current))
    if actor.role == "client" and actor.membership.client_id is not None:
        # QA-approved work, and work a mid-SOP approval stage has shown them.
        return stmt.where(
            WorkItem.client_id == actor.membership.client_id,
            sa.or_(
                WorkItem.approved_at.is_not(None),
                WorkItem.client_stage_key.is_not(None),
                WorkItem.approved_stage_key.is_not(None),
            ),
        )
    return stmt.where(sa.false())


def _item_options(stmt: sa.Select) -> sa.Select:
    return stmt.options(
        joinedload(WorkItem.client),
        joinedload(WorkItem.sop_version).joinedload(SopVersion.sop),
        joinedload(WorkItem.assignee),
        joinedload(WorkItem.reviewer),
    )


def get_work_item_or_404(
    actor: Actor, work_item_id: int, *, with_checklist: bool = False
) -> WorkItem:
    """A work item the actor may see, or 404 (another agency's id is simply not found);
    `with_checklist` loads the checklist and its evidence files too (API answers)."""
    stmt = _item_options(visible_work_items(actor).where(WorkItem.id == work_item_id))
    if with_checklist:
        stmt = stmt.options(
            selectinload(WorkItem.checklist).joinedload(ChecklistState.evidence_file)
        )
    item = db.session.scalar(stmt)
    if item is None:
        raise NotFound()
    return item


def get_checklist_state_or_404(
    actor: Actor, item: WorkItem, checklist_item_id: int
) -> ChecklistState:
    """One checklist item of a visible work item, or 404."""
    state = db.session.scalar(
        sa.select(ChecklistState).where(
            ChecklistState.id == checklist_item_id, ChecklistState.work_item_id == item.id
        )
    )
    if state is None:
        raise NotFound()
    return state


def get_evidence_file_or_404(actor: Actor, item: WorkItem, evidence_id: int) -> EvidenceFile:
    """An evidence file of a visible work item, or 404. Files are deliverables: everyone
    who sees the item may download them."""
    found = db.session.scalar(
        sa.select(EvidenceFile).where(
            EvidenceFile.id == evidence_id, EvidenceFile.work_item_id == item.id
        )
    )
    if found is None:
        raise NotFound()
    return found


def contains(column: sa.ColumnElement, text: str) -> sa.ColumnElement[bool]:
    """`column` contains `text`, case-insensitive, with % and _ matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def filtered_work_items(actor: Actor, filters: dict) -> sa.Select:
    """Visible items matching the API list filters: client_id, state, assignee_id,
    reviewer_id, sop_id, q (part of the title), urgent, important, overdue (open and past
    due); open first by due time (no due date last), then the rest, newest first."""
    stmt = visible_work_items(actor)
    for key, column in (
        ("client_id", WorkItem.client_id),
        ("state", WorkItem.state),
        ("assignee_id", WorkItem.assignee_id),
        ("reviewer_id", WorkItem.reviewer_id),
        ("sop_id", WorkItem.sop_id),
        ("urgent", WorkItem.urgent),
        ("important", WorkItem.important),
    ):
        if filters.get(key) is not None:
            stmt = stmt.where(column == filters[key])
    if (filters.get("q") or "").strip():
        stmt = stmt.where(contains(WorkItem.title, filters["q"].strip()))
    if filters.get("overdue"):
        stmt = stmt.where(
            WorkItem.state.in_(OPEN_STATES),
            WorkItem.due_at.is_not(None),
            WorkItem.due_at < utcnow(),
        )
    return stmt.order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id.desc())


def work_item_page(actor: Actor, filters: dict) -> Page:
    """One page of the filtered list, with client, SOP and people loaded."""
    page = paginate(
        _item_options(filtered_work_items(actor, filters)),
        filters.get("page", 1),
        filters.get("per_page", 25),
    )
    return page


def checklist_of(item: WorkItem) -> list[ChecklistState]:
    """The item's checklist in SOP order, with evidence files loaded."""
    return list(
        db.session.scalars(
            sa.select(ChecklistState)
            .where(ChecklistState.work_item_id == item.id)
            .order_by(ChecklistState.position)
        )
    )


def evidence_files_by_id(item: WorkItem) -> dict[int, EvidenceFile]:
    """The item's evidence files by id (for the checklist rows)."""
    rows = db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.work_item_id == item.id))
    return {f.id: f for f in rows}


def history_query(actor: Actor, item: WorkItem, *, kind: str | None = None) -> sa.Select:
    """The item's history (oldest first) as the actor may see it: client contacts never
    see internal entries."""
    stmt = sa.select(WorkEvent).where(WorkEvent.work_item_id == item.id)
    if kind is not None:
        stmt = stmt.where(WorkEvent.kind == kind)
    if not can_see_internal(actor):
        stmt = stmt.where(WorkEvent.internal.is_(False))
    return stmt.options(joinedload(WorkEvent.actor)).order_by(WorkEvent.at, WorkEvent.id)


def history_of(actor: Actor, item: WorkItem) -> list[tuple[WorkEvent, str]]:
    """(event, actor name) pairs of the item's visible history, oldest first."""
    events = db.session.scalars(history_query(actor, item)).unique()
    return [(e, e.actor.name if e.actor is not None else "Baton") for e in events]


def reviews_query(item: WorkItem) -> sa.Select:
    """The item's QA reviews and client decisions, oldest first."""
    return (
        sa.select(Review)
        .where(Review.work_item_id == item.id)
        .options(joinedload(Review.reviewer))
        .order_by(Review.created_at, Review.id)
    )


def submission_count(item: WorkItem) -> int:
    """How many times the item has been submitted (the current review round)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(WorkEvent)
            .where(
                WorkEvent.work_item_id == item.id,
                WorkEvent.kind == "transition",
                WorkEvent.to_state == "submitted",
            )
        )
        or 0
    )


# --- choices for forms --------------------------------------------------------------------


def sop_choices(actor: Actor) -> list[tuple[int, str]]:
    """(current version id, label) of the SOPs new work may start from, by title; the
    title in the reader's language (app.sops.localize)."""
    sops = active_sops_for_new_work(actor)
    titles = localized_titles((sop.id, sop.current_version.definition) for sop in sops)
    return [
        (sop.current_version.id, f"{titles[sop.id]} (v{sop.current_version.number})")
        for sop in sops
    ]


def assignee_choices(actor: Actor, client_id: int) -> list[tuple[int, str]]:
    """(membership id, name) of the active VAs currently assigned to the client."""
    today = agency_today(actor)
    rows = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .join(Assignment, Assignment.membership_id == Membership.id)
        .where(
            Assignment.client_id == client_id,
            current_assignment_filter(today),
            Membership.role == "va",
            Membership.status == "active",
        )
        .distinct()
        .order_by(User.name, Membership.id)
    ).all()
    return [(row.id, row.name) for row in rows]


def reviewer_choices(actor: Actor) -> list[tuple[int, str]]:
    """(membership id, "name (role)") of the active members who may review: QA first."""
    rows = db.session.execute(
        sa.select(Membership.id, User.name, Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(REVIEWER_ROLES), Membership.status == "active")
        .order_by(sa.case((Membership.role == "qa", 0), else_=1), User.name, Membership.id)
    ).all()
    return [(row.id, f"{row.name} ({role_label(row.role)})") for row in rows]


def client_approvers(client_id: int) -> list[Membership]:
    """The active portal logins of the client: the people who approve its deliverables."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.role == "client",
                Membership.client_id == client_id,
                Membership.status == "active",
            )
            .order_by(Membership.id)
        )
    )


def managers_of_agency() -> list[Membership]:
    """The active owners of the current agency (overdue notices go to them)."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.role == "owner", Membership.status == "active")
            .order_by(Membership.id)
        )
    )
