"""Pure permission rules of work items: who may do what with an item they can see.

Seeing an item is decided by `queries.visible_work_items`; these rules decide, for a viewer
who can see it, which actions their person and role allow. They never look at the item's
state: an action that is allowed for the person but not in the current state is a
`Conflict` raised by the service with the reason (409), not a 403.

Who may do what:

- owners and managers create items, edit them, reassign the assignee and the reviewer,
  cancel them and deliver them;
- the assignee (a VA currently on the client) starts work, ticks the checklist, adds
  evidence, submits, resumes after changes, and may deliver an approved item;
- the reviewer (a QA reviewer, owner or manager, never the doer) takes the item for review,
  approves it or requests changes;
- a client contact of the item's client approves it or asks for changes when the SOP asks
  for their approval, and comments (never internally);
- everyone who sees an item may comment; internal (staff-only) comments are for staff.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor
from app.work.stage_gates import pending_stage

REVIEWER_ROLES = ("owner", "manager", "qa")
STAFF_ROLES = ("owner", "manager", "va", "qa")


def _member_id(actor: Actor | None) -> int | None:
    return actor.membership.id if actor is not None and actor.membership is not None else None


def is_assignee(actor: Actor | None, item: Any) -> bool:
    """Whether the actor is the item's assignee."""
    return _member_id(actor) is not None and _member_id(actor) == item.assignee_id


def is_reviewer(actor: Actor | None, item: Any) -> bool:
    """Whether the actor is the item's reviewer."""
    return _member_id(actor) is not None and _member_id(actor) == item.reviewer_id


def is_doer(actor: Actor | None, item: Any, done_by_user_ids: set[int] | None = None) -> bool:
    """Whether the actor did this work: its assignee, or a person who ticked its checklist."""
    if actor is None:
        return False
    if is_assignee(actor, item):
        return True
    return actor.user_id is not None and actor.user_id in (done_by_user_ids or set())


def can_create_work_item(actor: Actor, client: Any) -> bool:
    """Owners and managers put work on a client."""
    return actor.is_manager


def can_edit_work_item(actor: Actor, item: Any) -> bool:
    """Owners and managers change an item's title, description, due time, flags."""
    return actor.is_manager


def can_reassign_work_item(actor: Actor, item: Any) -> bool:
    """Owners and managers choose the assignee and the reviewer."""
    return actor.is_manager


def can_manage_series(actor: Actor) -> bool:
    """Owners and managers create recurring series, change, pause, resume and end them."""
    return actor.is_manager


def can_cancel_work_item(actor: Actor, item: Any) -> bool:
    """Owners and managers cancel open work."""
    return actor.is_manager


def can_start_work_item(actor: Actor, item: Any) -> bool:
    """Start, and resume after changes were requested."""
    return is_assignee(actor, item)


def can_submit_work_item(actor: Actor, item: Any) -> bool:
    """The assignee hands the work to QA."""
    return is_assignee(actor, item)


def can_work_checklist(actor: Actor, item: Any) -> bool:
    """Tick and untick checklist items, add and remove their evidence."""
    return is_assignee(actor, item)


def can_review_work_item(actor: Actor, item: Any) -> bool:
    """Take for review, approve, request changes: the item's reviewer only."""
    return actor.role in REVIEWER_ROLES and is_reviewer(actor, item)


def can_decide_as_client(actor: Actor, item: Any) -> bool:
    """Approve or ask for changes on behalf of the client: a contact of that client."""
    return (
        actor.role == "client"
        and actor.membership is not None
        and actor.membership.client_id == item.client_id
    )


def can_record_client_decision(actor: Actor, item: Any) -> bool:
    """Owners and managers record an answer the client gave outside Baton (an email, a
    call), saying who gave it and how."""
    return actor.is_manager


def can_send_stage_to_client(actor: Actor, item: Any) -> bool:
    """The assignee sends a mid-SOP approval stage to the client (the service refuses, 409,
    when no stage waits for one; the button shows only while one does)."""
    return is_assignee(actor, item)


def _shows_send_stage(actor: Actor, item: Any) -> bool:
    return can_send_stage_to_client(actor, item) and pending_stage(item) is not None


def can_deliver_work_item(actor: Actor, item: Any) -> bool:
    """Owners, managers and the assignee deliver approved work."""
    return actor.is_manager or is_assignee(actor, item)


def can_comment_on_work_item(actor: Actor, item: Any) -> bool:
    """Staff and the item's client contacts comment."""
    return actor.role in STAFF_ROLES or can_decide_as_client(actor, item)


def can_post_internal_comment(actor: Actor | None) -> bool:
    """Internal (staff-only) notes are written by staff."""
    return actor is not None and actor.role in STAFF_ROLES


def can_see_internal(actor: Actor | None) -> bool:
    """Internal comments and history (QA details, checklist work) are for staff only."""
    return actor is not None and actor.role in STAFF_ROLES


def can_see_evidence_notes(actor: Actor | None) -> bool:
    """Note evidence is the VA's working notes for QA; client contacts see the deliverables
    (links and files) but not the notes."""
    return actor is not None and actor.role in STAFF_ROLES


def can_see_reviews(actor: Actor | None) -> bool:
    """QA scores and reasons are staff information."""
    return actor is not None and actor.role in STAFF_ROLES


# --- what the item page offers ----------------------------------------------------------

ACTION_STATES: dict[str, tuple[str, ...]] = {
    "start": ("todo", "changes_requested", "client_changes"),
    "submit": ("in_progress",),
    "take": ("submitted",),
    "approve": ("in_review",),
    "request_changes": ("in_review",),
    "client_approve": ("awaiting_client",),
    "client_changes": ("awaiting_client",),
    "record_client": ("awaiting_client",),
    "send_stage": ("in_progress",),
    "deliver": ("approved", "client_approved"),
    "cancel": (
        "todo", "in_progress", "submitted", "in_review", "changes_requested", "approved",
        "awaiting_client", "client_approved", "client_changes",
    ),
}  # fmt: skip

_WHO = {
    "start": can_start_work_item,
    "submit": can_submit_work_item,
    "take": can_review_work_item,
    "approve": can_review_work_item,
    "request_changes": can_review_work_item,
    "client_approve": can_decide_as_client,
    "client_changes": can_decide_as_client,
    "record_client": can_record_client_decision,
    "send_stage": _shows_send_stage,
    "deliver": can_deliver_work_item,
    "cancel": can_cancel_work_item,
}


def available_actions(actor: Actor, item: Any) -> list[str]:
    """The transitions this actor may take on the item in its current state (buttons)."""
    return [
        action
        for action, states in ACTION_STATES.items()
        if item.state in states and _WHO[action](actor, item)
    ]
