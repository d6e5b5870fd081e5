"""HTML routes of a work item's workflow actions: start, submit, take for review, approve,
request changes, the client's decision (theirs, or recorded by a manager), deliver and
cancel. Each is a POST on the item page's URL that runs one app.work.transitions function
through app.work.views.act (load, authorize, parse, run, commit, redirect; a refusal is
shown on the page); submitting too early goes back to the submit gate instead.
"""

from __future__ import annotations

from flask import flash, g, redirect
from flask.typing import ResponseReturnValue

from app.core.permissions import MANAGERS, roles
from app.core.translation import lazy_gettext, ngettext
from app.work import policy, transitions
from app.work.blueprint import authorize, bp, item_url
from app.work.queries import get_work_item_or_404
from app.work.schemas import (
    CancelIn,
    ClientApproveIn,
    ClientChangesIn,
    ClientDecisionIn,
    ReviewIn,
    TransitionIn,
)
from app.work.views import act


def _transition(action: str, path: str, check, schema_cls, run, done: object) -> None:
    """Register POST /<agency_slug>/work/<id>/<path> for one transition."""

    def view(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
        return act(
            work_item_id,
            check,
            schema_cls(),
            lambda item, data, lock: run(g.actor, item, data, lock),
            form=action,
            done=done,
        )

    view.__name__ = f"{action}_work_item"
    view.__doc__ = f"POST: {action.replace('_', ' ')} (see app.work.transitions)."
    allowed = {
        "start": ("va",),
        "submit": ("va",),
        "take": ("owner", "manager", "qa"),
        "approve": ("owner", "manager", "qa"),
        "request_changes": ("owner", "manager", "qa"),
        "client_approve": ("client",),
        "client_changes": ("client",),
        "record_client": MANAGERS,
        "send_stage": ("va",),
        "deliver": ("owner", "manager", "va"),
        "cancel": MANAGERS,
    }[action]
    bp.post(f"/<agency_slug>/work/<int:work_item_id>/{path}")(roles(*allowed)(view))


_transition(
    "start",
    "start",
    policy.can_start_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.start_work_item(a, i, lock),
    lazy_gettext("Work started. Tick the checklist as you go."),
)


@bp.post("/<agency_slug>/work/<int:work_item_id>/submit")
@roles("va")
def submit_work_item(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
    """POST: submit for QA review (see app.work.transitions). Submitted too early, the VA
    goes back to the item's own URL, whose submit gate lists the open required items once
    (the list stays current as they tick); other refusals are shown as for every action."""
    item = get_work_item_or_404(g.actor, work_item_id)
    authorize(policy.can_submit_work_item(g.actor, item))
    if item.state in policy.ACTION_STATES["submit"]:
        open_items = transitions.open_required_items(item)
        if open_items:
            n = len(open_items)
            flash(
                ngettext(
                    "Not submitted yet: %(num)d required checklist item is still open "
                    "(listed below).",
                    "Not submitted yet: %(num)d required checklist items are still open "
                    "(listed below).",
                    n,
                ),
                "warning",
            )
            return redirect(item_url(item, "submit-gate"))
    return act(
        work_item_id,
        policy.can_submit_work_item,
        TransitionIn(),
        lambda item, data, lock: transitions.submit_work_item(g.actor, item, lock),
        form="submit",
        done=lazy_gettext("Submitted for QA review."),
    )


_transition(
    "take",
    "take",
    policy.can_review_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.take_for_review(a, i, lock),
    lazy_gettext("You are reviewing this item."),
)
_transition(
    "approve",
    "approve",
    policy.can_review_work_item,
    ReviewIn,
    lambda a, i, d, lock: transitions.approve_work_item(a, i, d, lock),
    lazy_gettext("Approved."),
)
_transition(
    "request_changes",
    "request-changes",
    policy.can_review_work_item,
    ReviewIn,
    lambda a, i, d, lock: transitions.request_changes(a, i, d, lock),
    lazy_gettext("Changes requested; the assignee has been told."),
)
_transition(
    "client_approve",
    "client-approve",
    policy.can_decide_as_client,
    ClientApproveIn,
    lambda a, i, d, lock: transitions.client_approve(a, i, d, lock),
    lazy_gettext("Thank you: you approved this work."),
)
_transition(
    "client_changes",
    "client-changes",
    policy.can_decide_as_client,
    ClientChangesIn,
    lambda a, i, d, lock: transitions.client_request_changes(a, i, d, lock),
    lazy_gettext("Thank you: your change request was sent to the team."),
)
_transition(
    "record_client",
    "client-decision",
    policy.can_record_client_decision,
    ClientDecisionIn,
    lambda a, i, d, lock: transitions.record_client_decision(a, i, d, lock),
    lazy_gettext("The client's answer is recorded."),
)
_transition(
    "send_stage",
    "send-stage",
    policy.can_send_stage_to_client,
    TransitionIn,
    lambda a, i, d, lock: transitions.send_stage_to_client(a, i, lock),
    lazy_gettext("Sent to the client for their approval of this stage."),
)
_transition(
    "deliver",
    "deliver",
    policy.can_deliver_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.deliver_work_item(a, i, lock),
    lazy_gettext("Delivered."),
)
_transition(
    "cancel",
    "cancel",
    policy.can_cancel_work_item,
    CancelIn,
    lambda a, i, d, lock: transitions.cancel_work_item(a, i, d, lock),
    lazy_gettext("Work item cancelled."),
)
