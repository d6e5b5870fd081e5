"""HTML routes of a work item's checklist: tick, add and remove evidence. With htmx the
answer is the changed checklist row (plus the submit gate, out of band); without it, a
redirect to the item page. Refusals come back in the row (409/422). Routes on the blueprint
of app.work.blueprint; a refusal without htmx re-renders the item page (app.work.views).

Same order as every view: load (404) -> authorize (403) -> parse -> service -> commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.core.errors import DomainError, ValidationFailed
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.uow import commit
from app.extensions import db
from app.sops.localize import item_texts, localized
from app.work import checklist, policy, transitions
from app.work.blueprint import authorize, bp, is_htmx, item_url
from app.work.models import ChecklistState, WorkItem
from app.work.queries import (
    evidence_files_by_id,
    get_checklist_state_or_404,
    get_work_item_or_404,
)
from app.work.schemas import EvidenceFileIn, EvidenceIn, TickIn, TransitionIn
from app.work.uploads import DEFAULT_MAX_BYTES, read_upload
from app.work.views import render_item


def _check_fragment(
    item: WorkItem, check: ChecklistState, *, errors: dict | None = None, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "work/_check_fragment.html",
        work_item=item,
        check=check,
        files=evidence_files_by_id(item),
        can_work=item.state == "in_progress",
        show_notes=True,
        open_required=transitions.open_required_items(item),
        check_texts=item_texts(localized(item.sop_version.definition)),
        errors=errors or {},
    ), status


def _checklist_action(
    work_item_id: int, checklist_item_id: int, run: Callable[[WorkItem, ChecklistState], Any]
) -> ResponseReturnValue:
    item = get_work_item_or_404(g.actor, work_item_id)
    check = get_checklist_state_or_404(g.actor, item, checklist_item_id)
    authorize(policy.can_work_checklist(g.actor, item))
    try:
        run(item, check)
        commit()
    except DomainError as exc:
        db.session.rollback()
        item = get_work_item_or_404(g.actor, work_item_id)
        check = get_checklist_state_or_404(g.actor, item, checklist_item_id)
        errors = exc.errors or {"_schema": [exc.message]}
        if is_htmx():
            return _check_fragment(item, check, errors=errors, status=exc.status)
        return render_item(item, form=f"check-{check.id}", errors=errors, status=exc.status)
    if is_htmx():
        return _check_fragment(item, check)
    return redirect(item_url(item, f"check-{check.id}"))


@bp.post("/<agency_slug>/work/<int:work_item_id>/checklist/<int:checklist_item_id>/tick")
@roles("va")
def tick_checklist_item(
    agency_slug: str, work_item_id: int, checklist_item_id: int
) -> ResponseReturnValue:
    """Tick or untick a checklist item (the assignee, in progress)."""

    def run(item: WorkItem, check: ChecklistState) -> None:
        data = load_form(TickIn(), request.form)
        checklist.set_checklist_done(g.actor, item, check, data["done"])

    return _checklist_action(work_item_id, checklist_item_id, run)


@bp.post("/<agency_slug>/work/<int:work_item_id>/checklist/<int:checklist_item_id>/evidence")
@roles("va")
def add_evidence(
    agency_slug: str, work_item_id: int, checklist_item_id: int
) -> ResponseReturnValue:
    """Add the link, note or file a checklist item asks for."""

    def run(item: WorkItem, check: ChecklistState) -> None:
        if check.evidence_kind == "file":
            fields = MultiDict(request.form)
            if "file" in request.files:
                fields["file"] = request.files["file"]
            data = _load_upload(fields)
            limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)
            upload = data["file"]
            detected = read_upload(upload.stream, upload.filename, limit)
            checklist.attach_evidence_file(g.actor, item, check, detected)
        else:
            checklist.add_evidence(g.actor, item, check, load_form(EvidenceIn(), request.form))

    return _checklist_action(work_item_id, checklist_item_id, run)


def _load_upload(fields: MultiDict) -> dict:
    """The evidence form of a file item, read with EvidenceFileIn (unknown fields refused)."""
    raw = {k: v for k, v in fields.items() if k != "csrf_token"}
    try:
        return EvidenceFileIn().load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"file": exc.messages}
        raise ValidationFailed(messages) from exc


REMOVE = "/<agency_slug>/work/<int:work_item_id>/checklist/<int:checklist_item_id>/evidence/remove"


@bp.post(REMOVE)
@roles("va")
def remove_evidence(
    agency_slug: str, work_item_id: int, checklist_item_id: int
) -> ResponseReturnValue:
    """Remove a checklist item's evidence (unticks it)."""

    def run(item: WorkItem, check: ChecklistState) -> None:
        load_form(TransitionIn(), request.form)  # nothing to read; unknown fields refused
        checklist.clear_evidence(g.actor, item, check)

    return _checklist_action(work_item_id, checklist_item_id, run)
