"""JSON API of work items: the same gates, services and messages as the pages.

Every route with an id loads the item (404 when the caller can't see it) and checks the
caller may act on it (403) before the body is parsed, so another agency's ids are a 404
whatever the body holds. A refused transition answers 409 with the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import UnsupportedMediaType

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import ValidationFailed
from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.permissions import ALL_ROLES, MANAGERS, STAFF, Actor, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import PageArgs, file_response
from app.core.uow import commit
from app.work import checklist, policy, services, transitions
from app.work.downloads import evidence_response
from app.work.models import ChecklistState, WorkEvent, WorkItem
from app.work.queries import (
    get_checklist_state_or_404,
    get_evidence_file_or_404,
    get_work_item_or_404,
    history_query,
    reviews_query,
    work_item_page,
)
from app.work.schemas import (
    CancelIn,
    ChecklistOut,
    ClientApproveIn,
    ClientChangesIn,
    ClientDecisionIn,
    CommentIn,
    EventOut,
    EventPageOut,
    EvidenceFileIn,
    EvidenceIn,
    ReassignIn,
    ReviewIn,
    ReviewPageOut,
    TickIn,
    TransitionIn,
    WorkItemFilterArgs,
    WorkItemIn,
    WorkItemOut,
    WorkItemPageOut,
    WorkItemPatchIn,
)
from app.work.uploads import DEFAULT_MAX_BYTES, EVIDENCE_MEDIA_TYPES, read_upload

blp = Blueprint(
    "work_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Work items: SOP checklists, evidence, QA review, client approval, delivery",
)

REVIEWERS = ("owner", "manager", "qa")


def loads_item(
    check: Callable[[Actor, WorkItem], bool] | None = None, *, with_checklist: bool = False
) -> Callable:
    """Replace `work_item_id` (and `checklist_item_id`) with the loaded objects (404 when
    not visible), then apply the policy `check` (403), before any body is parsed."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            item = get_work_item_or_404(
                g.actor, kwargs.pop("work_item_id"), with_checklist=with_checklist
            )
            if "checklist_item_id" in kwargs:
                kwargs["check"] = get_checklist_state_or_404(
                    g.actor, item, kwargs.pop("checklist_item_id")
                )
            if check is not None:
                _authorize(check(g.actor, item))
            kwargs["item"] = item
            return fn(*args, **kwargs)

        return wrapper

    return deco


def _fresh(item: WorkItem) -> WorkItem:
    """The item as committed, checklist included, for the response."""
    return get_work_item_or_404(g.actor, item.id, with_checklist=True)


# --- items ---------------------------------------------------------------------------------


@blp.route("/work-items")
class WorkItems(MethodView):
    @roles(*ALL_ROLES)
    @blp.arguments(WorkItemFilterArgs, location="query")
    @blp.response(200, WorkItemPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Work items you may see: open ones by due time first. Filter by client, state,
        assignee or reviewer (membership ids). VAs see their assigned clients' items;
        client contacts see their own items once QA approved them."""
        page = work_item_page(g.actor, args)
        return {"items": page.items, "meta": page.meta()}


def loads_client(fn: Callable) -> Callable:
    """Replace `client_id` with the client (404 when not visible) and check the caller
    may create work on it (403), before the body is parsed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        client = get_client_or_404(g.actor, kwargs.pop("client_id"))
        _authorize(policy.can_create_work_item(g.actor, client))
        return fn(*args, client=client, **kwargs)

    return wrapper


@blp.route("/clients/<int:client_id>/work-items")
class ClientWorkItems(MethodView):
    @roles(*MANAGERS)
    @idempotent
    @loads_client
    @blp.arguments(WorkItemIn)
    @blp.response(201, WorkItemOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> WorkItem:
        """Create a work item on the client from an SOP's current version (owners and
        managers). The assignee must be a VA currently assigned to the client, the reviewer
        a QA reviewer, manager or owner (never the assignee). The checklist is copied from
        the version and the assignee is emailed. Without `due_at` the item is due when the
        SOP's last stage is (business days in the client's zone, from now). With
        `request_id` the client's open work request becomes accepted and linked."""
        from app.portal.services import create_work_item_for

        item = create_work_item_for(g.actor, client, data)
        commit()
        return _fresh(item)


@blp.route("/work-items/<int:work_item_id>")
class WorkItemResource(MethodView):
    @roles(*ALL_ROLES)
    @loads_item(with_checklist=True)
    @blp.response(200, WorkItemOut)
    def get(self, agency_slug: str, item: WorkItem) -> WorkItem:
        """One work item with its checklist and its SOP stages' due times (client contacts
        don't get note evidence)."""
        return item

    @roles(*MANAGERS)
    @loads_item(policy.can_edit_work_item)
    @blp.arguments(WorkItemPatchIn(partial=True))
    @blp.response(200, WorkItemOut)
    def patch(self, data: dict, agency_slug: str, item: WorkItem) -> WorkItem:
        """Change the title, description, due time, flags or estimate (owners, managers)."""
        lock = data.pop("lock_version", None)
        services.update_work_item(g.actor, item, data, lock)
        commit()
        return _fresh(item)


@blp.route("/work-items/<int:work_item_id>/reassign")
class WorkItemReassign(MethodView):
    @roles(*MANAGERS)
    @loads_item(policy.can_reassign_work_item)
    @blp.arguments(ReassignIn)
    @blp.response(200, WorkItemOut)
    def post(self, data: dict, agency_slug: str, item: WorkItem) -> WorkItem:
        """Change the assignee and/or the reviewer with the rules of creation (owners and
        managers); a new assignee is emailed."""
        lock = data.pop("lock_version", None)
        services.reassign_work_item(g.actor, item, data, lock)
        commit()
        return _fresh(item)


# --- transitions -----------------------------------------------------------------------------


def _transition_route(
    path: str,
    name: str,
    allowed_roles: tuple[str, ...],
    check: Callable[[Actor, WorkItem], bool],
    schema: type,
    run: Callable[[Actor, WorkItem, dict, int | None], Any],
    doc: str,
) -> None:
    """Register POST /work-items/<id>/<path>: load, authorize, parse, run, commit."""

    class Transition(MethodView):
        @roles(*allowed_roles)
        @loads_item(check)
        @blp.arguments(schema, required=False)
        @blp.response(200, WorkItemOut)
        def post(self, data: dict, agency_slug: str, item: WorkItem) -> WorkItem:
            lock = data.pop("lock_version", None)
            run(g.actor, item, data, lock)
            commit()
            return _fresh(item)

    Transition.post.__doc__ = doc
    Transition.__name__ = name
    blp.route(f"/work-items/<int:work_item_id>/{path}", endpoint=name)(Transition)


_transition_route(
    "start",
    "WorkItemStart",
    ("va",),
    policy.can_start_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.start_work_item(a, i, lock),
    "Start the work, or resume it after changes were requested (the assignee).",
)
_transition_route(
    "submit",
    "WorkItemSubmit",
    ("va",),
    policy.can_submit_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.submit_work_item(a, i, lock),
    "Submit for QA review (the assignee). 409 naming the required checklist items still "
    "open, e.g. '2 required checklist items are open: Link the draft, Attach the report'.",
)
_transition_route(
    "take",
    "WorkItemTake",
    REVIEWERS,
    policy.can_review_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.take_for_review(a, i, lock),
    "Take a submitted item for review (its reviewer, never the doer).",
)
_transition_route(
    "approve",
    "WorkItemApprove",
    REVIEWERS,
    policy.can_review_work_item,
    ReviewIn,
    lambda a, i, d, lock: transitions.approve_work_item(a, i, d, lock),
    "Approve (the reviewer, never the doer): every rubric criterion scored and passing, "
    "else 409 naming them. If the SOP asks for the client's approval the item then awaits "
    "the client, whose contacts are emailed.",
)
_transition_route(
    "request-changes",
    "WorkItemRequestChanges",
    REVIEWERS,
    policy.can_review_work_item,
    ReviewIn,
    lambda a, i, d, lock: transitions.request_changes(a, i, d, lock),
    "Send the work back (the reviewer): a reason for each failed criterion in `reasons`; "
    "the assignee is emailed.",
)
_transition_route(
    "client-approve",
    "WorkItemClientApprove",
    ("client",),
    policy.can_decide_as_client,
    ClientApproveIn,
    lambda a, i, d, lock: transitions.client_approve(a, i, d, lock),
    "Approve the deliverable as a contact of the client.",
)
_transition_route(
    "client-request-changes",
    "WorkItemClientChanges",
    ("client",),
    policy.can_decide_as_client,
    ClientChangesIn,
    lambda a, i, d, lock: transitions.client_request_changes(a, i, d, lock),
    "Ask for changes as a contact of the client, saying what should change.",
)
_transition_route(
    "client-decision",
    "WorkItemClientDecision",
    MANAGERS,
    policy.can_record_client_decision,
    ClientDecisionIn,
    lambda a, i, d, lock: transitions.record_client_decision(a, i, d, lock),
    "Record the client's answer given outside Baton (owners and managers): `decision` "
    "approved or changes, who (`contact_name`) and how (`channel`); changes need a `note`. "
    "The history says it was recorded on the client's behalf.",
)
_transition_route(
    "send-stage",
    "WorkItemSendStage",
    ("va",),
    policy.can_send_stage_to_client,
    TransitionIn,
    lambda a, i, d, lock: transitions.send_stage_to_client(a, i, lock),
    "Send a mid-SOP approval stage to the client (the assignee), once every required "
    "checklist item up to it is done; the client approves it as a final approval, and the "
    "item comes back in progress with the next stages open. 409 naming what is open.",
)
_transition_route(
    "deliver",
    "WorkItemDeliver",
    ("owner", "manager", "va"),
    policy.can_deliver_work_item,
    TransitionIn,
    lambda a, i, d, lock: transitions.deliver_work_item(a, i, lock),
    "Deliver (owners, managers, the assignee): only after QA approval and, where the SOP "
    "asks, the client's approval; else 409 saying which is missing.",
)
_transition_route(
    "cancel",
    "WorkItemCancel",
    MANAGERS,
    policy.can_cancel_work_item,
    CancelIn,
    lambda a, i, d, lock: transitions.cancel_work_item(a, i, d, lock),
    "Cancel an open item (owners and managers), optionally with a reason.",
)


# --- checklist and evidence ------------------------------------------------------------------


@blp.route("/work-items/<int:work_item_id>/checklist/<int:checklist_item_id>")
class ChecklistItemResource(MethodView):
    @roles("va")
    @loads_item(policy.can_work_checklist)
    @blp.arguments(TickIn)
    @blp.response(200, ChecklistOut)
    def patch(
        self, data: dict, agency_slug: str, item: WorkItem, check: ChecklistState
    ) -> ChecklistState:
        """Tick or untick a checklist item (the assignee, while in progress). An item that
        asks for evidence is ticked only once its evidence is there (else 409)."""
        checklist.set_checklist_done(g.actor, item, check, data["done"])
        commit()
        return check


@blp.route("/work-items/<int:work_item_id>/checklist/<int:checklist_item_id>/evidence")
class ChecklistEvidence(MethodView):
    @roles("va")
    @loads_item(policy.can_work_checklist)
    @blp.arguments(EvidenceIn)
    @blp.response(200, ChecklistOut)
    def post(
        self, data: dict, agency_slug: str, item: WorkItem, check: ChecklistState
    ) -> ChecklistState:
        """Set the link or note evidence of a checklist item (the kind its SOP asks for;
        links http(s) only; notes are sanitized)."""
        checklist.add_evidence(g.actor, item, check, data)
        commit()
        return check

    @roles("va")
    @loads_item(policy.can_work_checklist)
    @blp.response(200, ChecklistOut)
    def delete(self, agency_slug: str, item: WorkItem, check: ChecklistState) -> ChecklistState:
        """Remove a checklist item's evidence (a ticked item is unticked)."""
        checklist.clear_evidence(g.actor, item, check)
        commit()
        return check


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
                "additionalProperties": False,
            }
        }
    },
}


def load_upload() -> dict:
    """The multipart body of an upload, read with EvidenceFileIn (unknown fields refused).
    Anything else (JSON, a form without the file) is refused naming the field."""
    if request.mimetype == "multipart/form-data":
        raw: Any = {**request.form.to_dict(), **request.files.to_dict()}
    else:
        raw = request.get_json(silent=True)
        if raw is None and request.get_data():
            raise UnsupportedMediaType("Send the file as multipart/form-data, field 'file'.")
        raw = raw if raw is not None else {}
    try:
        return EvidenceFileIn().load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(messages) from exc


@blp.route("/work-items/<int:work_item_id>/checklist/<int:checklist_item_id>/evidence-file")
class ChecklistEvidenceFile(MethodView):
    @roles("va")
    @loads_item(policy.can_work_checklist)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, ChecklistOut)
    def post(self, agency_slug: str, item: WorkItem, check: ChecklistState) -> ChecklistState:
        """Upload the file evidence of a checklist item as multipart/form-data (`file`).
        The type is detected from the content (PDF, PNG, JPEG, GIF, WebP, text, CSV, DOCX,
        XLSX; never HTML or SVG) and must match the name; at most EVIDENCE_MAX_BYTES."""
        upload = load_upload()["file"]
        limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)
        detected = read_upload(upload.stream, upload.filename, limit)
        checklist.attach_evidence_file(g.actor, item, check, detected)
        commit()
        return check


@blp.route("/work-items/<int:work_item_id>/evidence/<int:evidence_id>")
class EvidenceDownload(MethodView):
    @roles(*ALL_ROLES)
    @loads_item()
    @blp.doc(responses={"200": file_response(
        "The file, as an attachment with its detected type.", *EVIDENCE_MEDIA_TYPES)})  # fmt: skip
    def get(self, agency_slug: str, item: WorkItem, evidence_id: int) -> Response:
        """Download an evidence file (everyone who can see the item)."""
        return evidence_response(get_evidence_file_or_404(g.actor, item, evidence_id))


# --- comments, history, reviews --------------------------------------------------------------


@blp.route("/work-items/<int:work_item_id>/comments")
class WorkItemComments(MethodView):
    @roles(*ALL_ROLES)
    @loads_item()
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EventPageOut)
    def get(self, args: dict, agency_slug: str, item: WorkItem) -> dict:
        """The item's comments, oldest first (client contacts never get internal ones)."""
        page = paginate(
            history_query(g.actor, item, kind="comment"), args["page"], args["per_page"]
        )
        return {"items": page.items, "meta": page.meta()}

    @roles(*ALL_ROLES)
    @idempotent
    @loads_item(policy.can_comment_on_work_item)
    @blp.arguments(CommentIn)
    @blp.response(201, EventOut)
    def post(self, data: dict, agency_slug: str, item: WorkItem) -> WorkEvent:
        """Comment (sanitized). `internal: true` is a staff-only note (not for clients)."""
        event = services.add_comment(g.actor, item, data)
        commit()
        return event


@blp.route("/work-items/<int:work_item_id>/events")
class WorkItemEvents(MethodView):
    @roles(*ALL_ROLES)
    @loads_item()
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EventPageOut)
    def get(self, args: dict, agency_slug: str, item: WorkItem) -> dict:
        """The item's history, oldest first: who did what when (transitions, comments,
        checklist and evidence changes). Client contacts see only what concerns them."""
        page = paginate(history_query(g.actor, item), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/work-items/<int:work_item_id>/reviews")
class WorkItemReviews(MethodView):
    @roles(*STAFF)
    @loads_item()
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ReviewPageOut)
    def get(self, args: dict, agency_slug: str, item: WorkItem) -> dict:
        """QA reviews and client decisions with scores and reasons (staff only)."""
        page = paginate(reviews_query(item), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}
