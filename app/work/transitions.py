"""The work item state machine: every transition goes through `_move`, which checks the
state, keeps the history and the audit trail, and stamps the item's timestamps.

    todo -> in_progress -> submitted -> in_review -> changes_requested (-> in_progress)
                                                  -> approved [-> awaiting_client
                                                     -> client_approved -> delivered at once
                                                      | client_changes (-> in_progress)]
                                                  -> delivered
    in_progress -> awaiting_client (a mid-SOP approval stage, app.work.approvals)
                -> in_progress (approved: the next stages open) | client_changes
    cancelled from any open state

The gates: submit only when every required checklist item is done with its evidence;
approve only as the item's reviewer who is not its doer, with every rubric criterion scored
and passing; request changes with a reason on each failed criterion (rework_rounds + 1);
after QA approval an item whose SOP asks for the client's approval waits for a client
contact; deliver only after QA approval and, where asked, the client's approval.

A refused transition raises `Conflict` with the reason (409 in the API, a message on the
page). `rework_rounds` counts QA rounds only (first-pass yield is about QA); the client's
change requests are in the reviews and the history.
"""

from __future__ import annotations

from collections.abc import Callable

from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.extensions import db
from app.sops.localize import item_texts, localized
from app.work import approvals, notifications, series
from app.work.history import SENT_TO_CLIENT
from app.work.models import Review, WorkItem
from app.work.policy import ACTION_STATES, is_doer
from app.work.queries import checklist_of, submission_count
from app.work.richtext import plain_text, sanitize_html
from app.work.rubric import criterion_label, describe_failure, evaluate_rubric
from app.work.services import (
    N_,
    STATE_LABELS,
    check_lock,
    done_by_user_ids,
    evidence_name,
    flush_item,
    record_event,
    state_label,
)
from app.work.start_guards import start_blocker

# Why an action is refused in the item's state (%(state)s: the state in words).
REFUSALS = {
    "start": N_("Can't start work on it: this work item is %(state)s."),
    "submit": N_("Can't submit it for review: this work item is %(state)s."),
    "take": N_("Can't take it for review: this work item is %(state)s."),
    "approve": N_("Can't approve it: this work item is %(state)s."),
    "request_changes": N_("Can't request changes: this work item is %(state)s."),
    "client_approve": N_("Can't approve it: this work item is %(state)s."),
    "client_changes": N_("Can't ask for changes: this work item is %(state)s."),
    "record_client": N_("Can't record the client's answer: this work item is %(state)s."),
    "send_stage": N_("Can't send the stage to the client: this work item is %(state)s."),
    "deliver": N_("Can't deliver it: this work item is %(state)s."),
    "cancel": N_("Can't cancel it: this work item is %(state)s."),
}
# Transitions a client contact may see in the history (the rest is the team's business).
CLIENT_VISIBLE_STATES = ("awaiting_client", "client_approved", "client_changes", "delivered")
# Called with each item just delivered, in the delivery's transaction (a domain that acts on
# deliveries registers here, e.g. app.surveys sends its satisfaction question): work itself
# knows no such domain.
DELIVERY_HOOKS: list[Callable[[WorkItem], None]] = []


def require_state(item: WorkItem, action: str) -> None:
    """Refuse `action` when the item's state does not allow it, saying why."""
    if item.state not in ACTION_STATES[action]:
        raise Conflict(gettext(REFUSALS[action], state=state_label(item.state)))


def _move(
    actor: Actor | None,
    item: WorkItem,
    action: str,
    to_state: str,
    *,
    body: str | None = None,
    data: dict | None = None,
) -> None:
    """Move the item to `to_state` if `action` is allowed from its state; history + audit."""
    require_state(item, action)
    from_state = item.state
    item.state = to_state
    now = utcnow()
    stamp = {
        "in_progress": "started_at",
        "submitted": "submitted_at",
        "approved": "approved_at",
        "delivered": "delivered_at",
        "cancelled": "cancelled_at",
    }.get(to_state)
    if stamp and (stamp != "started_at" or item.started_at is None):
        setattr(item, stamp, now)
    flush_item(item)
    record_event(
        actor,
        item,
        "transition",
        from_state=from_state,
        to_state=to_state,
        body=body,
        data=data,
        internal=to_state not in CLIENT_VISIBLE_STATES,
    )
    if actor is not None:
        record(
            actor,
            f"work_item.{to_state}",
            item,
            summary=(
                f"Work item {item.title}: {STATE_LABELS[from_state]} -> {STATE_LABELS[to_state]}"
            ),
            before={"state": from_state},
            after={"state": to_state},
        )


def start_work_item(actor: Actor, item: WorkItem, lock_version: int | None = None) -> WorkItem:
    """Start (from to do) or resume (after changes were requested) the work; a first start
    waits for what the start guards ask (e.g. a deposit the client's terms require)."""
    check_lock(item, lock_version)
    blocker = start_blocker(item)
    if blocker:
        raise Conflict(blocker)
    _move(actor, item, "start", "in_progress")
    return item


def open_required_items(item: WorkItem) -> list[str]:
    """Texts of the required checklist items not yet done with the evidence they need."""
    out = []
    texts = item_texts(localized(item.sop_version.definition))
    for check in checklist_of(item):
        if not check.required:
            continue
        text = texts.get(check.item_key, check.text)
        if not check.done:
            out.append(text)
        elif not check.has_evidence:
            out.append(
                gettext(
                    "%(item)s (needs %(evidence)s)",
                    item=text,
                    evidence=evidence_name(check.evidence_kind),
                )
            )
    return out


def submit_work_item(actor: Actor, item: WorkItem, lock_version: int | None = None) -> WorkItem:
    """Hand the work to QA: only when every required checklist item is done with its
    evidence; the reviewer is notified."""
    check_lock(item, lock_version)
    if item.state in ACTION_STATES["submit"]:
        open_items = open_required_items(item)
        if open_items:
            n = len(open_items)
            raise Conflict(
                ngettext(
                    "%(num)d required checklist item is open: %(items)s",
                    "%(num)d required checklist items are open: %(items)s",
                    n,
                    items=", ".join(open_items),
                )
            )
        approvals.require_stages_approved(item)
        if item.reviewer_id is None:
            raise Conflict(
                gettext("This work item has no QA reviewer; ask a manager to choose one.")
            )
    _move(actor, item, "submit", "submitted")
    notifications.notify_submitted(item, submission_count(item))
    return item


def _refuse_doer(actor: Actor, item: WorkItem, doing: str) -> None:
    """Refuse the doer reviewing (`doing`: "review") or approving ("approve") their work."""
    if is_doer(actor, item, done_by_user_ids(item)):
        if doing == "approve":
            message = gettext(
                "You did this work, so you can't approve it: a reviewer must never be the doer."
            )
        else:
            message = gettext(
                "You did this work, so you can't review it: a reviewer must never be the doer."
            )
        raise Conflict(message)


def take_for_review(actor: Actor, item: WorkItem, lock_version: int | None = None) -> WorkItem:
    """The reviewer (never the doer) takes a submitted item for review."""
    check_lock(item, lock_version)
    _refuse_doer(actor, item, "review")
    _move(actor, item, "take", "in_review")
    return item


def _review(
    actor: Actor, item: WorkItem, outcome: str, scores: dict | None, comment: str | None
) -> Review:
    waited = None
    if item.submitted_at is not None:
        waited = max(0, int((utcnow() - item.submitted_at).total_seconds()))
    review = Review(
        work_item_id=item.id,
        reviewer_id=actor.membership.id if actor.membership is not None else None,
        round=max(1, submission_count(item)),
        outcome=outcome,
        scores=scores,
        comment=comment,
        waited_seconds=waited,
    )
    db.session.add(review)
    db.session.flush()
    return review


def approve_work_item(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """QA approval: the reviewer (never the doer) scores every rubric criterion and each
    passes. If the SOP asks for the client's approval the item then waits for the client,
    whose contacts are notified."""
    check_lock(item, lock_version)
    require_state(item, "approve")
    _refuse_doer(actor, item, "approve")
    rubric = item.sop_version.definition.get("rubric") or []
    scores = evaluate_rubric(rubric, data.get("scores") or {}, data.get("reasons") or {})
    missing = [criterion_label(c) for c in rubric if str(c["key"]) not in scores]
    if missing:
        n = len(missing)
        raise Conflict(
            ngettext(
                "%(num)d rubric criterion is not scored: %(criteria)s",
                "%(num)d rubric criteria are not scored: %(criteria)s",
                n,
                criteria=", ".join(missing),
            )
        )
    failing = [
        describe_failure(c, scores[str(c["key"])])
        for c in rubric
        if not scores[str(c["key"])]["passed"]
    ]
    if failing:
        n = len(failing)
        raise Conflict(
            ngettext(
                "Can't approve: %(num)d criterion does not pass: %(criteria)s. "
                "Request changes instead.",
                "Can't approve: %(num)d criteria do not pass: %(criteria)s. "
                "Request changes instead.",
                n,
                criteria=", ".join(failing),
            )
        )
    comment = sanitize_html(data.get("comment"))
    review = _review(actor, item, "approved", scores, comment)
    _move(actor, item, "approve", "approved", body=comment, data={"review_id": review.id})
    if item.sop_version.definition.get("client_approval"):
        _to_client(actor, item)
    return item


def _to_client(actor: Actor, item: WorkItem) -> None:
    """approved -> awaiting_client, and the client's contacts are asked to approve."""
    from_state = item.state
    item.state = "awaiting_client"
    flush_item(item)
    record_event(
        actor,
        item,
        "transition",
        from_state=from_state,
        to_state="awaiting_client",
        body=SENT_TO_CLIENT,
        internal=False,
    )
    notifications.notify_client_approval(item, submission_count(item))


def send_stage_to_client(actor: Actor, item: WorkItem, lock_version: int | None = None) -> WorkItem:
    """The assignee sends a mid-SOP approval stage to the client (app.work.approvals)."""
    check_lock(item, lock_version)
    require_state(item, "send_stage")
    stage = approvals.stage_ready_to_send(item)
    item.client_stage_key = stage
    _move(actor, item, "send_stage", "awaiting_client", body=SENT_TO_CLIENT, data={"stage": stage})
    notifications.notify_client_approval(item, submission_count(item))
    return item


def request_changes(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """QA sends the work back: each failed criterion needs a reason, and there must be
    something to change (a failed criterion or a comment). The assignee is notified."""
    check_lock(item, lock_version)
    require_state(item, "request_changes")
    _refuse_doer(actor, item, "review")
    rubric = item.sop_version.definition.get("rubric") or []
    scores = evaluate_rubric(rubric, data.get("scores") or {}, data.get("reasons") or {})
    by_key = {str(c["key"]): c for c in rubric}
    failed = [(by_key[k], e) for k, e in scores.items() if not e["passed"]]
    without_reason = [criterion_label(c) for c, e in failed if not e["reason"]]
    if without_reason:
        n = len(without_reason)
        raise Conflict(
            ngettext(
                "Give a reason for each failed criterion: %(num)d has none: %(criteria)s",
                "Give a reason for each failed criterion: %(num)d have none: %(criteria)s",
                n,
                criteria=", ".join(without_reason),
            )
        )
    comment = sanitize_html(data.get("comment"))
    if not failed and not comment:
        raise Conflict(
            gettext("Say what needs to change: fail a criterion with a reason, or write a comment.")
        )
    review = _review(actor, item, "changes_requested", scores, comment)
    item.rework_rounds += 1
    reasons = [f"{criterion_label(c)}: {plain_text(e['reason'])}" for c, e in failed]
    _move(
        actor,
        item,
        "request_changes",
        "changes_requested",
        body=comment,
        data={"review_id": review.id, "reasons": reasons},
    )
    notifications.notify_changes(item, review.round, reasons, plain_text(comment), by_client=False)
    return item


# --- the client's decision, delivery, cancellation --------------------------------------------


def client_approve(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """A contact of the client approves the deliverable from their own login."""
    check_lock(item, lock_version)
    require_state(item, "client_approve")
    comment = sanitize_html(data.get("comment"))
    stage = approvals.stage_at_client(item)
    _review(actor, item, "client_approved", None, comment)
    to_state = "in_progress" if stage else "client_approved"
    _move(actor, item, "client_approve", to_state, body=comment, data=_stage_data(stage))
    _after_approval(actor, item, stage)
    return item


def _stage_data(stage: str | None) -> dict | None:
    return {"stage": stage} if stage else None


def _after_approval(actor: Actor, item: WorkItem, stage: str | None) -> None:
    """A stage approval opens the next stages; the final approval delivers at once."""
    approvals.stage_approved(actor, item, stage)
    if stage is None:
        deliver_work_item(actor, item)


def client_request_changes(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """A contact of the client asks for changes, with a reason; the assignee is notified."""
    check_lock(item, lock_version)
    require_state(item, "client_changes")
    reason = sanitize_html(data.get("reason"))
    if not reason:
        raise ValidationFailed({"reason": [gettext("Say what should change.")]})
    stage = approvals.stage_at_client(item)
    review = _review(actor, item, "client_changes", None, reason)
    _move(actor, item, "client_changes", "client_changes", body=reason, data=_stage_data(stage))
    notifications.notify_changes(item, review.round, [], plain_text(reason), by_client=True)
    return item


CHANNEL_LABELS = {
    "email": "by email", "phone": "by phone", "whatsapp": "on WhatsApp",
    "meeting": "in a meeting", "other": "outside Baton",
}  # fmt: skip


def record_client_decision(
    actor: Actor, item: WorkItem, data: dict, lock_version: int | None = None
) -> WorkItem:
    """An owner or manager records the client's answer given outside Baton (who, how and
    what they said): the same move as the client's own approval or change request, marked
    as recorded on their behalf in the history."""
    check_lock(item, lock_version)
    require_state(item, "record_client")
    note = sanitize_html(data.get("note"))
    changes = data["decision"] == "changes"
    if changes and not note:
        raise ValidationFailed({"note": [gettext("Say what the client wants changed.")]})
    who = f"{data['contact_name']} {CHANNEL_LABELS[data['channel']]}"
    verb = "asked for changes" if changes else "approved"
    body = f"{who} {verb} (recorded by {actor.user.name})." + (f"\n{note}" if note else "")
    outcome = "client_changes" if changes else "client_approved"
    stage = approvals.stage_at_client(item)
    review = _review(actor, item, outcome, None, body)
    info = {"on_behalf": True, "contact_name": data["contact_name"], "channel": data["channel"]}
    info.update(_stage_data(stage) or {})
    to_state = "in_progress" if stage and not changes else outcome
    _move(actor, item, "record_client", to_state, body=body, data=info)
    if changes:
        notifications.notify_changes(item, review.round, [], plain_text(note), by_client=True)
    else:
        _after_approval(actor, item, stage)
    return item


def deliver_work_item(actor: Actor, item: WorkItem, lock_version: int | None = None) -> WorkItem:
    """Deliver: only after QA approval and, where the SOP asks, the client's approval."""
    check_lock(item, lock_version)
    needs_client = bool(item.sop_version.definition.get("client_approval"))
    if item.state in ("awaiting_client", "client_changes") or (
        item.state == "approved" and needs_client
    ):
        raise Conflict(
            gettext(
                "Can't deliver yet: the client has not approved this work "
                "(its SOP asks for the client's approval)."
            )
        )
    if item.state in ("todo", "in_progress", "submitted", "in_review", "changes_requested"):
        raise Conflict(
            gettext(
                "Can't deliver: QA has not approved this work yet (it is %(state)s).",
                state=state_label(item.state),
            )
        )
    _move(actor, item, "deliver", "delivered")
    for hook in DELIVERY_HOOKS:
        hook(item)
    series.after_delivery(actor, item)
    return item


def cancel_work_item(
    actor: Actor, item: WorkItem, data: dict | None = None, lock_version: int | None = None
) -> WorkItem:
    """Owners and managers cancel an open item, optionally saying why."""
    check_lock(item, lock_version)
    reason = sanitize_html((data or {}).get("reason"))
    _move(actor, item, "cancel", "cancelled", body=reason)
    return item
