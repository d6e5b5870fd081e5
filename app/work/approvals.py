"""The client's approvals that move work: mid-SOP approval stages, and what an approval
sets off (the next item of a recurring series).

An SOP stage with `client_approval: true` is a gate in the middle of the work: when every
required checklist item up to and including that stage is done with its evidence, the
assignee sends the stage to the client (in_progress -> awaiting_client, the stage kept in
`client_stage_key`). QA is not involved mid-way: QA reviews the whole deliverable once,
before the SOP's own (final) client approval or the delivery, with the rubric that is
written for the finished work. The client answers through the same portal flow as a final
approval: approving moves the item back to in_progress with the next stages open
(`approved_stage_key`); asking for changes sends it to client_changes with their words, and
the assignee resumes and sends the stage again. Stages after an unapproved approval stage
stay locked (nothing in them can be ticked), and the work cannot be submitted to QA before
every approval stage is approved.

The SOP's own `client_approval` is the final one: the client's approval (their own or
recorded by an owner or manager) delivers the item at once (app.work.transitions).
"""

from __future__ import annotations

from app.core.errors import Conflict
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.sops.localize import item_texts, localized
from app.work import series
from app.work.models import ChecklistState, WorkItem
from app.work.queries import checklist_of
from app.work.stage_gates import locked_stage_keys, pending_stage, stage_keys


def stage_title(item: WorkItem, key: str | None) -> str | None:
    """The stage's title in the reader's language (None for no stage)."""
    if key is None:
        return None
    for stage in localized(item.sop_version.definition).get("stages") or []:
        if str(stage["key"]) == key:
            return str(stage.get("title") or key)
    return key


def require_open_stage(item: WorkItem, check: ChecklistState) -> None:
    """Refuse work on a checklist item of a stage still locked behind a client approval."""
    if check.stage_key in locked_stage_keys(item):
        raise Conflict(
            gettext(
                "This stage is locked until the client approves '%(stage)s'.",
                stage=stage_title(item, pending_stage(item)),
            )
        )


def require_stages_approved(item: WorkItem) -> None:
    """Refuse handing the work to QA while a mid-SOP approval stage waits for the client."""
    pending = pending_stage(item)
    if pending is not None:
        raise Conflict(
            gettext(
                "Send '%(stage)s' to the client first: the later stages wait for their approval.",
                stage=stage_title(item, pending),
            )
        )


def stage_ready_to_send(item: WorkItem) -> str:
    """The pending approval stage when everything up to it is done (else a Conflict)."""
    pending = pending_stage(item)
    if pending is None:
        raise Conflict(gettext("No stage of this work item waits for the client's approval."))
    keys = stage_keys(item)
    upto = set(keys[: keys.index(pending) + 1])
    texts = item_texts(localized(item.sop_version.definition))
    open_items = [
        texts.get(c.item_key, c.text)
        for c in checklist_of(item)
        if c.stage_key in upto and c.required and not (c.done and c.has_evidence)
    ]
    if open_items:
        raise Conflict(
            ngettext(
                "%(num)d required checklist item is open: %(items)s",
                "%(num)d required checklist items are open: %(items)s",
                len(open_items),
                items=", ".join(open_items),
            )
        )
    return pending


def stage_at_client(item: WorkItem) -> str | None:
    """The stage the client is deciding on now (None: the final approval)."""
    if item.state in ("awaiting_client", "client_changes"):
        return item.client_stage_key
    return None


def stage_approved(actor: Actor, item: WorkItem, stage: str | None) -> None:
    """After the client's approval (of `stage`, or the final one when None): the next
    stages open, and a series makes its next item where the SOP says so."""
    if stage is not None:
        item.approved_stage_key = stage
        item.client_stage_key = None
    series.after_client_approval(actor, item)
