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

import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.orm.exc import StaleDataError

from app.audit.services import changed, record, snapshot
from app.clients.models import Assignment, Client
from app.clients.queries import agency_today, current_assignment_filter
from app.core import storage
from app.core.db import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.users.models import Membership
from app.work import notifications
from app.work.models import OPEN_STATES, ChecklistState, EvidenceFile, WorkEvent, WorkItem
from app.work.policy import REVIEWER_ROLES, can_post_internal_comment
from app.work.richtext import link_problem, sanitize_html
from app.work.uploads import DetectedFile

DOES_NOT_EXIST = "Does not exist."
STALE = (
    "Someone else changed this work item since you opened it (it is now {state}). "
    "Reload the page to see their change, then try again."
)
STATE_LABELS = {
    "todo": "to do",
    "in_progress": "in progress",
    "submitted": "submitted for review",
    "in_review": "in review",
    "changes_requested": "waiting for changes QA requested",
    "approved": "approved by QA",
    "awaiting_client": "awaiting the client's approval",
    "client_approved": "approved by the client",
    "client_changes": "waiting for changes the client asked for",
    "delivered": "delivered",
    "cancelled": "cancelled",
}
EDIT_FIELDS = ("title", "description", "due_at", "urgent", "important", "estimate_minutes")
EVIDENCE_NAMES = {"link": "a link", "note": "a note", "file": "a file"}


# --- shared helpers -----------------------------------------------------------------------


def check_lock(item: WorkItem, lock_version: int | None) -> None:
    """Refuse a change made from a stale copy of the item (its `lock_version` moved on)."""
    if lock_version is not None and lock_version != item.lock_version:
        raise Conflict(STALE.format(state=STATE_LABELS.get(item.state, item.state)))


def flush_item(item: WorkItem) -> None:
    """Flush, turning a concurrent update of the same item (version mismatch) into a 409."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE.format(state="changed")) from exc


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
    return event


def _text(text: str) -> str:
    """Server-composed history text (it quotes SOP texts, links and file names) as safe
    HTML: escaped, like every body the history renders."""
    return str(escape(text))


def require_open(item: WorkItem, doing: str) -> None:
    if item.state not in OPEN_STATES:
        raise Conflict(
            f"Can't {doing}: this work item is {STATE_LABELS[item.state]}; it is closed."
        )


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
        raise ValidationFailed({"assignee_id": [DOES_NOT_EXIST]})
    if va.role != "va" or not va.is_active_member:
        raise ValidationFailed({"assignee_id": ["Must be an active VA of the agency."]})
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
                    f"{va.user.name} is not assigned to {client.name}; "
                    "assign them to the client first."
                ]
            }
        )
    return va


def resolve_reviewer(membership_id: int, *, assignee_id: int | None) -> Membership:
    """An active QA reviewer, manager or owner who is not the assignee (422 naming
    reviewer_id)."""
    reviewer = _member(membership_id)
    if reviewer is None:
        raise ValidationFailed({"reviewer_id": [DOES_NOT_EXIST]})
    if reviewer.role not in REVIEWER_ROLES or not reviewer.is_active_member:
        raise ValidationFailed(
            {"reviewer_id": ["Must be an active QA reviewer, manager or owner of the agency."]}
        )
    if assignee_id is not None and reviewer.id == assignee_id:
        raise ValidationFailed(
            {"reviewer_id": ["The reviewer can't be the assignee: nobody reviews their own work."]}
        )
    return reviewer


def resolve_sop_version(version_id: int) -> SopVersion:
    """The current version of an active (not archived) SOP of the agency."""
    version = db.session.scalar(sa.select(SopVersion).where(SopVersion.id == version_id))
    if version is None:
        raise ValidationFailed({"sop_version_id": [DOES_NOT_EXIST]})
    sop = db.session.scalar(sa.select(Sop).where(Sop.id == version.sop_id))
    if sop is None or sop.archived_at is not None or sop.current_version_id != version.id:
        raise ValidationFailed({"sop_version_id": ["Choose the current version of an active SOP."]})
    return version


def sop_estimate(definition: dict) -> int:
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


def create_work_item(actor: Actor, client: Client, data: dict) -> WorkItem:
    """A new item on the client from an SOP's current version (kept forever), with the
    checklist copied from that version, and the assignee notified."""
    if client.archived_at is not None:
        raise Conflict("This client is archived; restore it before adding work.")
    version = resolve_sop_version(data["sop_version_id"])
    assignee = resolve_assignee(actor, client, data["assignee_id"])
    reviewer = resolve_reviewer(data["reviewer_id"], assignee_id=assignee.id)
    estimate = data.get("estimate_minutes")
    item = WorkItem(
        client_id=client.id,
        sop_version_id=version.id,
        title=data["title"],
        description=sanitize_html(data.get("description")),
        assignee_id=assignee.id,
        reviewer_id=reviewer.id,
        state="todo",
        urgent=bool(data.get("urgent", False)),
        important=bool(data.get("important", True)),
        due_at=to_utc(data.get("due_at"), client.time_zone),
        estimate_minutes=estimate if estimate is not None else sop_estimate(version.definition),
        created_by_id=actor.user_id,
    )
    db.session.add(item)
    db.session.flush()
    _copy_checklist(item, version.definition)
    event = record_event(
        actor,
        item,
        "created",
        to_state="todo",
        data={"sop_version_id": version.id, "assignee_id": assignee.id, "reviewer_id": reviewer.id},
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
    require_open(item, "edit it")
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
    require_open(item, "reassign it")
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
                {"reviewer_id": ["This person worked on the checklist; they can't review it."]}
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
        raise ValidationFailed({"internal": ["Client contacts can't post internal notes."]})
    body = sanitize_html(data["body"])
    if not body:
        raise ValidationFailed({"body": ["Write a comment."]})
    return record_event(actor, item, "comment", body=body, internal=internal)


# --- checklist and evidence ---------------------------------------------------------------


def _require_in_progress(item: WorkItem, doing: str) -> None:
    if item.state != "in_progress":
        raise Conflict(
            f"Can't {doing}: the checklist is worked while the item is in progress "
            f"(this item is {STATE_LABELS[item.state]})."
        )


def set_checklist_done(
    actor: Actor, item: WorkItem, check: ChecklistState, done: bool
) -> ChecklistState:
    """Tick or untick one checklist item. An item that asks for evidence is ticked only
    once its evidence is there."""
    _require_in_progress(item, "tick the checklist" if done else "untick the checklist")
    if check.done == done:
        return check
    if done and not check.has_evidence:
        raise Conflict(
            f"Add {EVIDENCE_NAMES[check.evidence_kind]} as evidence for '{check.text}' "
            "before ticking it."
        )
    check.done = done
    check.done_at = utcnow() if done else None
    check.done_by_id = actor.user_id if done else None
    db.session.flush()
    record_event(
        actor,
        item,
        "checklist",
        body=_text(f"{'Ticked' if done else 'Unticked'}: {check.text}"),
        data={"item_key": check.item_key, "done": done},
    )
    return check


def _evidence_kind_check(check: ChecklistState, kind: str) -> None:
    if check.evidence_kind == "none":
        raise Conflict(f"'{check.text}' takes no evidence; just tick it.")
    if check.evidence_kind != kind:
        wants = EVIDENCE_NAMES[check.evidence_kind]
        raise ValidationFailed(
            {kind: [f"'{check.text}' takes {wants} as evidence, not {EVIDENCE_NAMES[kind]}."]}
        )


def add_evidence(actor: Actor, item: WorkItem, check: ChecklistState, data: dict) -> ChecklistState:
    """Set the link or note evidence of a checklist item (the kind its SOP asks for)."""
    _require_in_progress(item, "add evidence")
    link, note = data.get("link"), data.get("note")
    if link is None and note is None:
        kind = check.evidence_kind if check.evidence_kind in ("link", "note") else "link"
        if check.evidence_kind == "file":
            raise ValidationFailed({"file": ["Upload the file this item asks for."]})
        raise ValidationFailed({kind: [f"Add {EVIDENCE_NAMES[kind]}."]})
    if link is not None and note is not None:
        raise ValidationFailed({"note": ["Send a link or a note, not both."]})
    if link is not None:
        _evidence_kind_check(check, "link")
        problem = link_problem(link)
        if problem:
            raise ValidationFailed({"link": [problem]})
        check.evidence_link = link
        summary = link
    else:
        _evidence_kind_check(check, "note")
        clean = sanitize_html(note)
        if not clean:
            raise ValidationFailed({"note": ["Write the note."]})
        check.evidence_note = clean
        summary = "note"
    db.session.flush()
    record_event(
        actor,
        item,
        "evidence",
        body=_text(f"Evidence for {check.text}: {summary}"),
        data={"item_key": check.item_key, "kind": check.evidence_kind},
    )
    return check


def attach_evidence_file(
    actor: Actor, item: WorkItem, check: ChecklistState, upload: DetectedFile
) -> EvidenceFile:
    """Store an uploaded (already checked) file as the item's evidence, under a key the
    server makes from ids; the uploader's file name is kept for display only."""
    _require_in_progress(item, "add evidence")
    _evidence_kind_check(check, "file")
    row = EvidenceFile(
        work_item_id=item.id,
        storage_key="pending",
        sha256="",
        filename=upload.filename,
        content_type=upload.content_type,
        size=len(upload.data),
        uploaded_by_id=actor.user_id,
    )
    db.session.add(row)
    db.session.flush()
    key = storage.make_key("agency", item.agency_id, "work", item.id, "evidence", row.id)
    stored = storage.put(key, upload.data)
    row.storage_key, row.sha256 = stored.key, stored.sha256
    check.evidence_file_id = row.id
    db.session.flush()
    record_event(
        actor,
        item,
        "evidence",
        body=_text(f"Evidence for {check.text}: file {row.filename}"),
        data={"item_key": check.item_key, "kind": "file", "evidence_id": row.id},
    )
    return row


def clear_evidence(actor: Actor, item: WorkItem, check: ChecklistState) -> ChecklistState:
    """Remove a checklist item's evidence; a ticked item is unticked with it (the file
    itself stays in the history)."""
    _require_in_progress(item, "remove evidence")
    if check.evidence_kind == "none" or not check.has_evidence:
        return check
    check.evidence_link = None
    check.evidence_note = None
    check.evidence_file_id = None
    unticked = check.done
    check.done, check.done_at, check.done_by_id = False, None, None
    db.session.flush()
    record_event(
        actor,
        item,
        "evidence",
        body=_text(f"Evidence removed from {check.text}" + (" (unticked)" if unticked else "")),
        data={"item_key": check.item_key, "removed": True},
    )
    return check
