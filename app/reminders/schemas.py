"""Schemas of the reminder ladder, reminder history and pauses (HTML forms and JSON API).

Templates are checked by the schema itself (`messages.check_template`), so a
syntax error, an unknown variable or a refused construct is a 422 naming the field, in the
settings form and in the API alike.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from app.core.schemas import BaseSchema
from app.reminders.messages import BODY_MAX, SUBJECT_MAX, check_template

OFFSET_MIN, OFFSET_MAX = -60, 365


def _template_ok(value: str) -> None:
    problems = check_template(value)
    if problems:
        raise ValidationError(problems)


def _offset(required: bool = False) -> fields.Integer:
    return fields.Integer(
        required=required,
        validate=validate.Range(min=OFFSET_MIN, max=OFFSET_MAX),
        metadata={"description": "Days relative to the due date: -3 = three days before."},
    )


def _subject(required: bool = False) -> fields.String:
    return fields.String(
        required=required,
        validate=[validate.Length(min=1, max=SUBJECT_MAX), _template_ok],
        metadata={"description": "Subject line template (see the ladder's `variables`)."},
    )


def _body(required: bool = False) -> fields.String:
    return fields.String(
        required=required,
        validate=[validate.Length(min=1, max=BODY_MAX), _template_ok],
        metadata={"description": "Email body template (plain text with {{ variables }})."},
    )


class StepIn(BaseSchema):
    """A rung of the ladder."""

    offset_days = _offset(required=True)
    subject_template = _subject(required=True)
    body_template = _body(required=True)
    active = fields.Boolean(load_default=True)


class StepPatchIn(BaseSchema):
    """Change some fields of a step."""

    offset_days = _offset()
    subject_template = _subject()
    body_template = _body()
    active = fields.Boolean()


class PreviewIn(BaseSchema):
    """Templates to render with sample values (nothing is saved)."""

    subject_template = _subject(required=True)
    body_template = _body(required=True)


class LadderIn(BaseSchema):
    """Agency-wide switch: no reminder goes out while it is off."""

    enabled = fields.Boolean(required=True)


class PauseIn(BaseSchema):
    paused = fields.Boolean(required=True)


class DisputeIn(BaseSchema):
    disputed = fields.Boolean(required=True)


class InvoiceRemindersPatchIn(BaseSchema):
    """Pause or resume an invoice's reminders, or flag it as disputed (no reminders)."""

    paused = fields.Boolean()
    disputed = fields.Boolean()


# --- output --------------------------------------------------------------------------------


class StepOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    offset_days = fields.Integer(dump_only=True)
    subject_template = fields.String(dump_only=True)
    body_template = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    sent_count = fields.Integer(dump_only=True)


class LadderStepOut(StepOut):
    """A step as the ladder lists it: before the agency first saves its ladder
    (`installed: false`) the steps shown are the defaults, not yet stored, without an id."""

    id = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "null while the ladder is not installed (default steps)."},
    )


class VariableOut(BaseSchema):
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    example = fields.String(dump_only=True)


class LadderOut(BaseSchema):
    enabled = fields.Boolean(dump_only=True)
    installed = fields.Boolean(
        dump_only=True,
        metadata={"description": "False until the default ladder is saved for the agency."},
    )
    send_time = fields.String(dump_only=True, metadata={"description": "Local time, e.g. 09:00"})
    steps = fields.List(fields.Nested(LadderStepOut), dump_only=True)
    variables = fields.List(fields.Nested(VariableOut), dump_only=True)


class PreviewOut(BaseSchema):
    subject = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    html = fields.String(dump_only=True)


class ReminderSendOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(
        dump_only=True,
        metadata={"enum": ["ladder", "manual"], "description": "manual: sent by hand"},
    )
    step_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "None when sent by hand"}
    )
    sent_by = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Who sent it by hand"}
    )
    offset_days = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": ["sent", "skipped"]})
    reason = fields.String(dump_only=True, allow_none=True)
    due_at = fields.AwareDateTime(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    recipients = fields.List(fields.String(), dump_only=True)
    email_status = fields.String(dump_only=True, allow_none=True)


class NextReminderOut(BaseSchema):
    step_id = fields.Integer(dump_only=True)
    offset_days = fields.Integer(dump_only=True)
    due_at = fields.AwareDateTime(dump_only=True)
    local_time = fields.String(dump_only=True, metadata={"description": "In the client's zone"})
    time_zone = fields.String(dump_only=True)
    overdue = fields.Boolean(
        dump_only=True, metadata={"description": "Due already: goes out with the next sweep."}
    )


class InvoiceRemindersOut(BaseSchema):
    invoice_id = fields.Integer(dump_only=True)
    paused = fields.Boolean(dump_only=True)
    client_paused = fields.Boolean(dump_only=True)
    disputed = fields.Boolean(dump_only=True)
    agency_enabled = fields.Boolean(dump_only=True)
    blocked_reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why no reminder will go out, if none will."},
    )
    next = fields.Nested(NextReminderOut, dump_only=True, allow_none=True)
    history = fields.List(fields.Nested(ReminderSendOut), dump_only=True)


class ClientRemindersOut(BaseSchema):
    client_id = fields.Integer(dump_only=True)
    paused = fields.Boolean(dump_only=True)
