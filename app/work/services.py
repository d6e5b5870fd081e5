"""Write side of work items: create, edit, reassign, comments, checklist and evidence.

State changes live in `app.work.transitions`. Services take the actor explicitly, flush but
never commit, keep the item's own history in `WorkEvent` rows (who, when, what), audit the
important changes, and queue notification emails in the same transaction.

Ids in input resolve inside the current agency: another agency's id "Does not exist.".
Optimistic locking: forms and API calls may send the `lock_version` they read; a stale one
is a `Conflict` (409) instead of overwriting someone else's change.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.orm.exc import StaleDataError

from app.audit.services import changed, record, snapshot
from app.clients.models import Assignment, Client
from app.clients.queries import agency_today, current_assignment_filter
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.users.models import Membership
from app.work import notifications
from app.work.models import OPEN_STATES, ChecklistState, WorkEvent, WorkItem
from app.work.policy import REVIEWER_ROLES, can_post_internal_comment
from app.work.richtext import sanitize_html
from app.work.stage_dates import last_stage_due_at


def N_(text: str) -> str:
    """Mark `text` for the catalogue; it is translated where it is shown (gettext)."""
    return text


DOES_NOT_EXIST = N_("Does not exist.")
# The states in words, in English: the audit trail keeps them so. Pages and refusals show
# them in the reader's language with state_label().
STATE_LABELS = {
    "todo": N_("to do"),
    "in_progress": N_("in progress"),
    "submitted": N_("submitted for review"),
    "in_review": N_("in review"),
    "changes_requested": N_("with the VA for the changes QA asked for"),
    "approved": N_("approved by QA"),
    "awaiting_client": N_("awaiting the client's approval"),
    "client_approved": N_("approved by the client"),
    "client_changes": N_("with the VA for the changes the client asked for"),
    "delivered": N_("delivered"),
    "cancelled": N_("cancelled"),
}
STATE_WORDS = STATE_LABELS
EDIT_FIELDS = ("title", "description", "due_at", "urgent", "important", "estimate_minutes")
# Other domains hear of every history entry as it is written (the response-time promise
# registers here), so work never imports them: each is called (actor, item, event).
EVENT_HOOKS: list[Callable[..., None]] = []
EVIDENCE_NAMES = {"link": N_("a link"), "note": N_("a note"), "file": N_("a file")}


def state_label(state: str) -> str:
    """A state in words, in the reader's language."""
    return gettext(STATE_LABELS[state]) if state in STATE_LABELS else state


def evidence_name(kind: str) -> str:
    """'a link', 'a note', 'a file', in the reader's language."""
    return gettext(EVIDENCE_NAMES[kind]) if kind in EVIDENCE_NAMES else kind


def stale_message(state: str) -> str:
    return gettext(
        "Someone else changed this work item since you opened it (it is now %(state)s). "
        "Reload the page to see their change, then try again.",
        state=state,
    )


# --- shared helpers -----------------------------------------------------------------------


def check_lock(item: WorkItem, lock_version: int | None) -> None:
    """Refuse a change made from a stale copy of the item (its `lock_version` moved on)."""
    if lock_version is not None and lock_version != item.lock_version:
        raise Conflict(stale_message(state_label(item.state)))


def flush_item(item: WorkItem) -> None:
    """Flush, turning a concurrent update of the same item (version mismatch) into a 409."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(stale_message(gettext("changed"))) from exc


def record_event(
    actor: Actor | None,
    item: WorkItem,
    kind: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    body: str | None = None,
    data: dict | None = None,
    internal: bool = True,
) -> WorkEvent:
    """Append one entry to the item's history (flushed, so it has its id)."""
    event = WorkEvent(
        work_item_id=item.id,
        actor_user_id=actor.user_id if actor is not None else None,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        body=body,
        data=data,
        internal=internal,
    )
    db.session.add(event)
    db.session.flush()
    for hook in EVENT_HOOKS:
        hook(actor, item, event)
    return event


def history_text(text: str) -> str:
    """Server-composed history text (it quotes SOP texts, links and file names) as safe
    HTML: escaped, like every body the history renders."""
    return str(escape(text))


def require_open(item: WorkItem, doing: str) -> None:
    """Refuse changing a delivered or cancelled item (`doing`: "edit" or "reassign")."""
    if item.state not in OPEN_STATES:
        state = state_label(item.state)
        if doing == "reassign":
            message = gettext(
                "Can't reassign it: this work item is %(state)s; it is closed.", state=state
            )
        else:
            message = gettext(
                "Can't edit it: this work item is %(state)s; it is closed.", state=state
            )
        raise Conflict(message)


def to_utc(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A due time from input: without an offset it is the client's local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return value.astimezone(dt.UTC)


def _member(membership_id: int) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(Membership.id == membership_id))


def resolve_assignee(actor: Actor, client: Client, membership_id: int) -> Membership:
    """An active VA who is currently assigned to the client (422 naming assignee_id)."""
    va = _member(membership_id)
    if va is None:
        raise ValidationFailed({"assignee_id": [gettext(DOES_NOT_EXIST)]})
    if va.role != "va" or not va.is_active_member:
        raise ValidationFailed({"assignee_id": [gettext("Must be an active VA of the agency.")]})
    assigned = db.session.scalar(
        sa.select(Assignment.id).where(
            Assignment.client_id == client.id,
            Assignment.membership_id == va.id,
            current_assignment_filter(agency_today(actor)),
        )
    )
    if assigned is None:
        raise ValidationFailed(
            {
                "assignee_id": [
                    gettext(
                        "%(name)s is not assigned to %(client)s; assign them to the client first.",
                        name=va.user.name,
                        client=client.name,
                    )
                ]
            }
        )
    return va


def resolve_reviewer(membership_id: int, *, assignee_id: int | None) -> Membership:
    """An active QA reviewer, manager or owner who is not the assignee (422 naming
    reviewer_id)."""
    reviewer = _member(membership_id)
    if reviewer is None:
        raise ValidationFailed({"reviewer_id": [gettext(DOES_NOT_EXIST)]})
    if reviewer.role not in REVIEWER_ROLES or not reviewer.is_active_member:
        raise ValidationFailed(
            {
                "reviewer_id": [
                    gettext("Must be an active QA reviewer, manager or owner of the agency.")
                ]
            }
        )
    if assignee_id is not None and reviewer.id == assignee_id:
        raise ValidationFailed(
            {
                "reviewer_id": [
                    gettext("The reviewer can't be the assignee: nobody reviews their own work.")
                ]
            }
        )
    return reviewer


def resolve_sop_version(version_id: int) -> SopVersion:
    """The current version of an active (not archived) SOP of the agency."""
    version = db.session.scalar(sa.select(SopVersion).where(SopVersion.id == version_id))
    if version is None:
        raise ValidationFailed({"sop_version_id": [gettext(DOES_NOT_EXIST)]})
    sop = db.session.scalar(sa.select(Sop).where(Sop.id == version.sop_id))
    if sop is None or sop.archived_at is not None or sop.current_version_id != version.id:
        raise ValidationFailed(
            {"sop_version_id": [gettext("Choose the current version of an active SOP.")]}
        )
    return version


def sop_estimate(definition: dict) -> int:
    """The sum of the estimates of an SOP definition's checklist items."""
    return sum(
        int(item.get("estimate_minutes") or 0)
        for stage in definition.get("stages") or []
        for item in stage.get("items") or []
    )


def _copy_checklist(item: WorkItem, definition: dict) -> None:
    position = 0
    seen: set[str] = set()
    for stage in definition.get("stages") or []:
        for entry in stage.get("items") or []:
            key = str(entry["key"])
            if key in seen:  # keys are unique per SOP; be safe across stages anyway
                key = f"{stage['key']}.{key}"[:80]
            seen.add(key)
            position += 1
            db.session.add(
                ChecklistState(
                    work_item_id=item.id,
                    position=position,
                    stage_key=str(stage["key"])[:80],
                    item_key=key,
                    text=str(entry["text"])[:500],
                    required=bool(entry.get("required", True)),
                    evidence_kind=entry.get("evidence") or "none",
                )
            )


AUDIT_FIELDS = (
    "title", "client_id", "sop_version_id", "assignee_id", "reviewer_id", "state", "urgent",
    "important", "due_at", "estimate_minutes",
)  # fmt: skip


def _audit_values(item: WorkItem) -> dict:
    return snapshot(item, AUDIT_FIELDS)


# --- create, edit, reassign ---------------------------------------------------------------


def _due_at(
    value: dt.datetime | None, zone: str, version: SopVersion, now: dt.datetime
) -> dt.datetime | None:
    """The due time asked for; without one, when the SOP's last stage is due if the work
    starts `now` (business days in the client's zone)."""
    if value is not None:
        return to_utc(value, zone)
    return last_stage_due_at(now, zone, version.stages)


def create_work_item(actor: Actor, client: Client, data: dict) -> WorkItem:
    """A new item on the client from an SOP's current version (kept forever), with the
    checklist copied from that version, and the assignee notified. Without a `due_at` the
    item is due when the SOP's last stage is (see `app.work.stage_dates`)."""
    if client.archived_at is not None:
        raise Conflict(gettext("This client is archived; restore it before adding work."))
    version = resolve_sop_version(data["sop_version_id"])
    assignee = resolve_assignee(actor, client, data["assignee_id"])
    reviewer = resolve_reviewer(data["reviewer_id"], assignee_id=assignee.id)
    return place_work_item(actor, client, version, assignee, reviewer, data)


def place_work_item(
    actor: Actor,
    client: Client,
    version: SopVersion,
    assignee: Membership,
    reviewer: Membership | None,
    data: dict,
) -> WorkItem:
    """Create the item once its SOP version and people are settled: `create_work_item` for
    the form and the API (a VA assigned to the client), other domains for work of their own
    (a client follow-up assigned to an owner)."""
    estimate = data.get("estimate_minutes")
    now = utcnow()
    item = WorkItem(
        client_id=client.id,
        sop_version_id=version.id,
        sop_id=version.sop_id,
        title=data["title"],
        description=sanitize_html(data.get("description")),
        assignee_id=assignee.id,
        reviewer_id=reviewer.id if reviewer else None,
        state="todo",
        urgent=bool(data.get("urgent", False)),
        important=bool(data.get("important", True)),
        due_at=_due_at(data.get("due_at"), client.time_zone, version, now),
        estimate_minutes=estimate if estimate is not None else sop_estimate(version.definition),
        created_by_id=actor.user_id,
        created_at=now,  # the start the stages count from until the work is started
    )
    db.session.add(item)
    db.session.flush()
    _copy_checklist(item, version.definition)
    event = record_event(
        actor,
        item,
        "created",
        to_state="todo",
        data={
            "sop_version_id": version.id,
            "assignee_id": assignee.id,
            "reviewer_id": reviewer.id if reviewer else None,
        },
    )
    record(
        actor,
        "work_item.created",
        item,
        summary=f"Work item {item.title} created for {client.name}",
        after=_audit_values(item),
    )
    notifications.notify_assigned(item, assignee, event.id)
    return item


def update_work_item(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """Change the title, description, due time, flags or estimate of an open item."""
    check_lock(item, lock_version)
    require_open(item, "edit")
    before = snapshot(item, EDIT_FIELDS)
    values = dict(data)
    if "description" in values:
        values["description"] = sanitize_html(values["description"])
    if "due_at" in values:
        values["due_at"] = to_utc(values["due_at"], item.client.time_zone)
    for key, value in values.items():
        if key in EDIT_FIELDS:
            setattr(item, key, value)
    b, a = changed(before, snapshot(item, EDIT_FIELDS))
    if not a:
        return item
    if "due_at" in a:
        item.overdue_notified_at = None  # a new due time may become overdue again
    flush_item(item)
    record_event(actor, item, "updated", data={"changed": sorted(a)})
    record(
        actor,
        "work_item.updated",
        item,
        summary=f"Work item {item.title} changed: {', '.join(sorted(a))}",
        before=b,
        after=a,
    )
    return item


def reassign_work_item(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """Give the item another assignee and/or reviewer, with the same rules as creation."""
    check_lock(item, lock_version)
    require_open(item, "reassign")
    new_assignee = item.assignee
    if data.get("assignee_id") is not None and data["assignee_id"] != item.assignee_id:
        new_assignee = resolve_assignee(actor, item.client, data["assignee_id"])
    new_reviewer_id = data.get("reviewer_id", item.reviewer_id)
    assignee_id = new_assignee.id if new_assignee is not None else None
    if new_reviewer_id is not None and (
        new_reviewer_id != item.reviewer_id or assignee_id != item.assignee_id
    ):
        reviewer = resolve_reviewer(new_reviewer_id, assignee_id=assignee_id)
        if reviewer.user_id in done_by_user_ids(item):
            raise ValidationFailed(
                {
                    "reviewer_id": [
                        gettext("This person worked on the checklist; they can't review it.")
                    ]
                }
            )
    before = {"assignee_id": item.assignee_id, "reviewer_id": item.reviewer_id}
    after = {"assignee_id": assignee_id, "reviewer_id": new_reviewer_id}
    if before == after:
        return item
    item.assignee_id = assignee_id
    item.reviewer_id = new_reviewer_id
    flush_item(item)
    db.session.expire(item, ["assignee", "reviewer"])
    b, a = changed(before, after)
    event = record_event(actor, item, "assignment", data={"before": b, "after": a})
    record(
        actor,
        "work_item.reassigned",
        item,
        summary=f"Work item {item.title} reassigned",
        before=b,
        after=a,
    )
    if "assignee_id" in a and item.assignee is not None:
        notifications.notify_assigned(item, item.assignee, event.id)
    if (
        "reviewer_id" in a
        and item.reviewer is not None
        and item.state in ("submitted", "in_review")
    ):
        from app.work.queries import submission_count

        notifications.notify_submitted(item, submission_count(item))
    return item


def done_by_user_ids(item: WorkItem) -> set[int]:
    """The people who ticked the item's checklist (they did the work)."""
    rows = db.session.scalars(
        sa.select(ChecklistState.done_by_id).where(
            ChecklistState.work_item_id == item.id, ChecklistState.done_by_id.is_not(None)
        )
    )
    return set(rows)


# --- comments -----------------------------------------------------------------------------


def add_comment(actor: Actor, item: WorkItem, data: dict) -> WorkEvent:
    """A comment in the item's history; `internal` ones are for staff only."""
    internal = bool(data.get("internal", False))
    if internal and not can_post_internal_comment(actor):
        raise ValidationFailed(
            {"internal": [gettext("Client contacts can't post internal notes.")]}
        )
    asks_client = bool(data.get("asks_client", False))
    if asks_client and (internal or not can_post_internal_comment(actor)):
        raise ValidationFailed(
            {"asks_client": [gettext("Only a staff comment the client sees can ask them.")]}
        )
    body = sanitize_html(data["body"])
    if not body:
        raise ValidationFailed({"body": [gettext("Write a comment.")]})
    return record_event(
        actor,
        item,
        "comment",
        body=body,
        internal=internal,
        data={"asks_client": True} if asks_client else None,
    )
