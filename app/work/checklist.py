"""Write side of a work item's checklist: ticking items and their evidence (links, notes,
files). Only while the item is in progress; an item that asks for evidence is ticked only
once its evidence is there, and removing the evidence unticks it. Every change is kept in
the item's history.
"""

from __future__ import annotations

from app.core import storage
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.sops.localize import item_texts, localized
from app.work.approvals import require_open_stage
from app.work.models import ChecklistState, EvidenceFile, WorkItem
from app.work.richtext import link_problem, sanitize_html
from app.work.services import evidence_name, history_text, record_event, state_label
from app.work.uploads import DetectedFile


def _require_in_progress(item: WorkItem, doing: str) -> None:
    if item.state != "in_progress":
        state = state_label(item.state)
        messages = {
            "tick": gettext(
                "Can't tick the checklist: the checklist is worked while the item is in "
                "progress (this item is %(state)s).",
                state=state,
            ),
            "untick": gettext(
                "Can't untick the checklist: the checklist is worked while the item is in "
                "progress (this item is %(state)s).",
                state=state,
            ),
            "add": gettext(
                "Can't add evidence: the checklist is worked while the item is in progress "
                "(this item is %(state)s).",
                state=state,
            ),
            "remove": gettext(
                "Can't remove evidence: the checklist is worked while the item is in progress "
                "(this item is %(state)s).",
                state=state,
            ),
        }
        raise Conflict(messages[doing])


def set_checklist_done(
    actor: Actor, item: WorkItem, check: ChecklistState, done: bool
) -> ChecklistState:
    """Tick or untick one checklist item. An item that asks for evidence is ticked only
    once its evidence is there."""
    _require_in_progress(item, "tick" if done else "untick")
    require_open_stage(item, check)
    if check.done == done:
        return check
    if done and not check.has_evidence:
        raise Conflict(
            gettext(
                "Add %(evidence)s as evidence for '%(item)s' before ticking it.",
                evidence=evidence_name(check.evidence_kind),
                item=_shown_text(item, check),
            )
        )
    check.done = done
    check.done_at = utcnow() if done else None
    check.done_by_id = actor.user_id if done else None
    db.session.flush()
    record_event(
        actor,
        item,
        "checklist",
        body=history_text(f"{'Ticked' if done else 'Unticked'}: {check.text}"),
        data={"item_key": check.item_key, "done": done, "text": check.text},
    )
    return check


def _shown_text(item: WorkItem, check: ChecklistState) -> str:
    """The item's text in the reader's language, as its SOP version has it (messages)."""
    return item_texts(localized(item.sop_version.definition)).get(check.item_key, check.text)


def _evidence_kind_check(item: WorkItem, check: ChecklistState, kind: str) -> None:
    if check.evidence_kind == "none":
        raise Conflict(
            gettext("'%(item)s' takes no evidence; just tick it.", item=_shown_text(item, check))
        )
    if check.evidence_kind != kind:
        message = gettext(
            "'%(item)s' takes %(wanted)s as evidence, not %(sent)s.",
            item=_shown_text(item, check),
            wanted=evidence_name(check.evidence_kind),
            sent=evidence_name(kind),
        )
        raise ValidationFailed({kind: [message]})


def add_evidence(actor: Actor, item: WorkItem, check: ChecklistState, data: dict) -> ChecklistState:
    """Set the link or note evidence of a checklist item (the kind its SOP asks for)."""
    _require_in_progress(item, "add")
    require_open_stage(item, check)
    link, note = data.get("link"), data.get("note")
    if link is None and note is None:
        kind = check.evidence_kind if check.evidence_kind in ("link", "note") else "link"
        if check.evidence_kind == "file":
            raise ValidationFailed({"file": [gettext("Upload the file this item asks for.")]})
        raise ValidationFailed({kind: [gettext("Add %(evidence)s.", evidence=evidence_name(kind))]})
    if link is not None and note is not None:
        raise ValidationFailed({"note": [gettext("Send a link or a note, not both.")]})
    if link is not None:
        _evidence_kind_check(item, check, "link")
        problem = link_problem(link)
        if problem:
            raise ValidationFailed({"link": [problem]})
        check.evidence_link = link
        summary = link
    else:
        _evidence_kind_check(item, check, "note")
        clean = sanitize_html(note)
        if not clean:
            raise ValidationFailed({"note": [gettext("Write the note.")]})
        check.evidence_note = clean
        summary = "note"
    db.session.flush()
    record_event(
        actor,
        item,
        "evidence",
        body=history_text(f"Evidence for {check.text}: {summary}"),
        data={
            "item_key": check.item_key,
            "kind": check.evidence_kind,
            "text": check.text,
            "link": link,
        },
    )
    return check


def attach_evidence_file(
    actor: Actor, item: WorkItem, check: ChecklistState, upload: DetectedFile
) -> EvidenceFile:
    """Store an uploaded (already checked) file as the item's evidence, under a key the
    server makes from ids; the uploader's file name is kept for display only."""
    _require_in_progress(item, "add")
    require_open_stage(item, check)
    _evidence_kind_check(item, check, "file")
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
        body=history_text(f"Evidence for {check.text}: file {row.filename}"),
        data={
            "item_key": check.item_key,
            "kind": "file",
            "evidence_id": row.id,
            "text": check.text,
            "filename": row.filename,
        },
    )
    return row


def clear_evidence(actor: Actor, item: WorkItem, check: ChecklistState) -> ChecklistState:
    """Remove a checklist item's evidence; a ticked item is unticked with it (the file
    itself stays in the history)."""
    _require_in_progress(item, "remove")
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
        body=history_text(
            f"Evidence removed from {check.text}" + (" (unticked)" if unticked else "")
        ),
        data={
            "item_key": check.item_key,
            "removed": True,
            "text": check.text,
            "unticked": unticked,
        },
    )
    return check
