"""Schemas of work items (HTML forms and JSON API): one In schema per action, Out schemas
that drop what a viewer may not see (internal entries and note evidence for client
contacts; nothing about rates or costs is ever serialised).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from marshmallow import ValidationError, fields, post_dump, validate
from werkzeug.datastructures import FileStorage

from app.core.clock import utcnow
from app.core.permissions import Actor
from app.core.schemas import BaseSchema, Id, Name, PageArgs
from app.core.timezones import short_in_zone
from app.work.models import STATES
from app.work.policy import can_see_evidence_notes
from app.work.richtext import MAX_LINK_LENGTH, link_problem
from app.work.stage_dates import work_item_stages

LOCK_VERSION = {
    "load_default": None,
    "validate": validate.Range(min=1),
    "metadata": {
        "description": "The item's lock_version as you read it; a stale one is refused "
        "with 409 instead of overwriting someone else's change."
    },
}
MAX_TEXT = 20_000


def _viewer() -> Actor | None:
    return g.get("actor") if has_app_context() else None


def _check_link(value: str) -> None:
    problem = link_problem(value)
    if problem:
        raise ValidationError(problem)


class ScoreValue(fields.Field):
    """A rubric score: pass/fail (true/false, "pass"/"fail") or a score from 1 to 5."""

    default_error_messages = {"invalid": "Use pass or fail, or a score from 1 to 5."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool | int:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("pass", "passed", "true", "yes"):
                return True
            if text in ("fail", "failed", "false", "no"):
                return False
            if text.isdigit():
                value = int(text)
        if isinstance(value, int) and 1 <= value <= 5:
            return value
        raise self.make_error("invalid")


class UploadField(fields.Field):
    """An uploaded file (multipart/form-data)."""

    default_error_messages = {"invalid": "Send the file as multipart/form-data, field 'file'."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage) or not value.filename:
            raise self.make_error("invalid")
        return value


# --- input ---------------------------------------------------------------------------------


class ClientInviteIn(BaseSchema):
    """On the create form: invite a contact of the client as its portal login, so someone
    can approve the work when its SOP asks for the client's approval."""

    invite_contact = fields.Boolean(load_default=False)
    invite_email = fields.Email(load_default=None, validate=validate.Length(max=254))


class WorkItemIn(BaseSchema):
    """A new work item on a client."""

    title = Name(required=True, max=200)
    description = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_TEXT),
        metadata={"description": "Plain text or simple HTML (sanitized)."},
    )
    sop_version_id = Id(
        required=True,
        metadata={"description": "The current version of an active SOP; the item keeps it."},
    )
    assignee_id = Id(
        required=True,
        metadata={"description": "Membership id of an active VA assigned to the client."},
    )
    reviewer_id = Id(
        required=True,
        metadata={"description": "Membership id of a QA reviewer, manager or owner."},
    )
    due_at = fields.DateTime(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "ISO 8601; without an offset it is the client's local time "
            "(e.g. 2026-12-01T17:00). Leave it out (or null) to use the SOP: the item is "
            "then due when its last stage is, 17:00 client time that stage's "
            "due_offset_days business days (Monday to Friday in the client's zone) from now."
        },
    )
    urgent = fields.Boolean(load_default=False)
    important = fields.Boolean(load_default=True)
    estimate_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100_000),
        metadata={"description": "Default: the sum of the SOP's checklist estimates."},
    )
    request_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "An open work request of this client the item answers; "
                  "it becomes accepted and linked to the new item."},
    )  # fmt: skip


class WorkItemPatchIn(BaseSchema):
    """Change an item (owners and managers); any subset when patching."""

    title = Name(required=True, max=200)
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT)
    )
    due_at = fields.DateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "ISO 8601; without an offset it is the client's local time."},
    )
    urgent = fields.Boolean(load_default=False)
    important = fields.Boolean(load_default=True)
    estimate_minutes = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000)
    )
    lock_version = fields.Integer(**LOCK_VERSION)


class ReassignIn(BaseSchema):
    assignee_id = Id(
        metadata={"description": "Membership id of an active VA assigned to the client."}
    )
    reviewer_id = Id(metadata={"description": "Membership id of a QA reviewer, manager or owner."})
    lock_version = fields.Integer(**LOCK_VERSION)


class TransitionIn(BaseSchema):
    lock_version = fields.Integer(**LOCK_VERSION)


class CancelIn(TransitionIn):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5_000))


class ReviewIn(TransitionIn):
    """A QA decision: scores per rubric criterion, reasons for failed ones, a comment."""

    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=ScoreValue(),
        load_default=dict,
        metadata={
            "description": "{criterion key: true/false (or 'pass'/'fail') for pass/fail "
            "criteria, 1-5 for scored ones}."
        },
    )
    reasons = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=fields.String(validate=validate.Length(max=5_000)),
        load_default=dict,
        metadata={"description": "{criterion key: why it fails}; needed for each failed one."},
    )
    comment = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT)
    )


class ClientApproveIn(TransitionIn):
    comment = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT)
    )


class ClientChangesIn(TransitionIn):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_TEXT),
        metadata={"description": "What should change."},
    )


CLIENT_CHANNELS = ("email", "phone", "whatsapp", "meeting", "other")


class ClientDecisionIn(TransitionIn):
    """The client's answer, given outside Baton, recorded by an owner or manager."""

    decision = fields.String(
        required=True, validate=validate.OneOf(("approved", "changes")),
        metadata={"description": "approved, or changes (then `note` says what should change)"},
    )  # fmt: skip
    contact_name = Name(required=True, max=160)
    channel = fields.String(required=True, validate=validate.OneOf(CLIENT_CHANNELS))
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_TEXT),
        metadata={"description": "What they said; required when they asked for changes."},
    )


class CommentIn(BaseSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    internal = fields.Boolean(
        load_default=False, metadata={"description": "Staff only; never shown to the client."}
    )
    asks_client = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Staff: the comment asks the client for something, so the "
            "client's response-time clock on this item waits for their answer."
        },
    )


class TickIn(BaseSchema):
    done = fields.Boolean(required=True)


class EvidenceIn(BaseSchema):
    """Link or note evidence (files are uploaded as multipart/form-data)."""

    link = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=MAX_LINK_LENGTH), _check_link],
        metadata={"description": "An http(s) link, for items whose evidence is a link."},
    )
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_TEXT),
        metadata={"description": "For items whose evidence is a note (sanitized HTML)."},
    )


class EvidenceFileIn(BaseSchema):
    file = UploadField(required=True, metadata={"type": "string", "format": "binary"})


class WorkItemFilterArgs(PageArgs):
    client_id = Id()
    state = fields.String(validate=validate.OneOf(STATES))
    assignee_id = Id(metadata={"description": "Membership id of the VA."})
    reviewer_id = Id(metadata={"description": "Membership id of the reviewer."})
    sop_id = Id(metadata={"description": "Any version of this SOP."})
    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Part of the title."}
    )
    urgent = fields.Boolean()
    important = fields.Boolean()
    overdue = fields.Boolean(metadata={"description": "Open and past its due time."})


# --- output --------------------------------------------------------------------------------


class MemberRefOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.Function(lambda m: m.user.name, dump_only=True)
    role = fields.String(dump_only=True)


class ClientRefOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    time_zone = fields.String(dump_only=True)


class SopRefOut(BaseSchema):
    version_id = fields.Integer(dump_only=True, attribute="id")
    sop_id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    title = fields.Function(lambda v: v.definition.get("title", ""), dump_only=True)
    client_approval = fields.Function(
        lambda v: bool(v.definition.get("client_approval")), dump_only=True
    )


class EvidenceFileOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    filename = fields.String(dump_only=True)
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ChecklistOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    stage_key = fields.String(dump_only=True)
    item_key = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    required = fields.Boolean(dump_only=True)
    evidence_kind = fields.String(dump_only=True)
    done = fields.Boolean(dump_only=True)
    done_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    has_evidence = fields.Boolean(dump_only=True)
    evidence_link = fields.String(dump_only=True, allow_none=True)
    evidence_note = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Sanitized HTML; never sent to client contacts."},
    )
    evidence_file = fields.Nested(EvidenceFileOut, dump_only=True, allow_none=True)

    @post_dump
    def _hide_notes(self, data: dict, **kwargs: Any) -> dict:
        if not can_see_evidence_notes(_viewer()):
            data.pop("evidence_note", None)
        return data


class StageOut(BaseSchema):
    key = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    due_at = fields.AwareDateTime(
        dump_only=True,
        metadata={
            "description": "UTC: 17:00 client time, the stage's due_offset_days business "
            "days after the work started (or was created, until it starts)."
        },
    )
    overdue = fields.Boolean(
        dump_only=True,
        metadata={
            "description": "Past its due time with required checklist items still open "
            "(never on delivered or cancelled work)."
        },
    )


class StagesField(fields.List):
    """The item's SOP stages with their due times, computed when the item is dumped."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return work_item_stages(obj, obj.checklist, utcnow())


class WorkItemSummaryOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    state = fields.String(dump_only=True)
    quadrant = fields.String(dump_only=True)
    urgent = fields.Boolean(dump_only=True)
    important = fields.Boolean(dump_only=True)
    client = fields.Nested(ClientRefOut, dump_only=True)
    sop = fields.Nested(SopRefOut, dump_only=True, attribute="sop_version")
    assignee = fields.Nested(MemberRefOut, dump_only=True, allow_none=True)
    reviewer = fields.Nested(MemberRefOut, dump_only=True, allow_none=True)
    due_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    due_client_time = fields.Method(
        "_due_client",
        dump_only=True,
        metadata={"description": "The due time in the client's zone, for people."},
    )
    estimate_minutes = fields.Integer(dump_only=True, allow_none=True)
    rework_rounds = fields.Integer(dump_only=True)
    lock_version = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    started_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    submitted_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    approved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    delivered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(dump_only=True, allow_none=True)

    def _due_client(self, item: Any) -> str | None:
        if item.due_at is None:
            return None
        return short_in_zone(item.due_at, item.client.time_zone)


class WorkItemOut(WorkItemSummaryOut):
    description = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Sanitized HTML."}
    )
    checklist = fields.List(fields.Nested(ChecklistOut), dump_only=True)
    stages = StagesField(
        fields.Nested(StageOut),
        dump_only=True,
        metadata={"description": "The SOP's stages in order, with their due times."},
    )


class WorkPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class WorkItemPageOut(BaseSchema):
    items = fields.List(fields.Nested(WorkItemSummaryOut), dump_only=True)
    meta = fields.Nested(WorkPageMetaOut, dump_only=True)


class EventOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    at = fields.AwareDateTime(dump_only=True)
    actor_name = fields.Function(
        lambda e: e.actor.name if e.actor is not None else None, dump_only=True, allow_none=True
    )
    from_state = fields.String(dump_only=True, allow_none=True)
    to_state = fields.String(dump_only=True, allow_none=True)
    body = fields.String(dump_only=True, allow_none=True, metadata={"description": "Sanitized."})
    data = fields.Dict(dump_only=True, allow_none=True)
    internal = fields.Boolean(dump_only=True)


class EventPageOut(BaseSchema):
    items = fields.List(fields.Nested(EventOut), dump_only=True)
    meta = fields.Nested(WorkPageMetaOut, dump_only=True)


class ReviewOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    round = fields.Integer(dump_only=True)
    outcome = fields.String(dump_only=True)
    reviewer = fields.Nested(MemberRefOut, dump_only=True, allow_none=True)
    scores = fields.Dict(dump_only=True, allow_none=True)
    comment = fields.String(dump_only=True, allow_none=True)
    waited_seconds = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ReviewPageOut(BaseSchema):
    items = fields.List(fields.Nested(ReviewOut), dump_only=True)
    meta = fields.Nested(WorkPageMetaOut, dump_only=True)
