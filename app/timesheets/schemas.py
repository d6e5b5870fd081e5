"""Schemas of timesheets (HTML forms and JSON API)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema, Id, PageArgs
from app.timesheets.models import STATES, WEEK_STARTS


class SubmitIn(BaseSchema):
    """Submit a week: any day of it (default: this week), and whose (owners and managers
    may submit anyone's)."""

    week = fields.Date(load_default=None, allow_none=True)
    membership_id = Id(load_default=None, allow_none=True)


class RejectIn(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class TeamArgs(BaseSchema):
    week = fields.Date()
    state = fields.String(validate=validate.OneOf((*STATES, "all")))
    member_id = Id()


class TimesheetFilterArgs(PageArgs):
    week = fields.Date(metadata={"description": "Any day of the week."})
    state = fields.String(validate=validate.OneOf((*STATES, "all")))
    member_id = Id(metadata={"description": "A membership id (owners and managers)."})


class SettingsIn(BaseSchema):
    week_start = fields.String(required=True, validate=validate.OneOf(tuple(WEEK_STARTS)))
    assigned_managers_only = fields.Boolean(load_default=False)


class TimesheetOut(BaseSchema):
    id = fields.Integer()
    membership_id = fields.Integer()
    member_name = fields.Function(lambda s: s.member.user.name)
    week_start = fields.Date()
    week_end = fields.Date()
    state = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    reject_reason = fields.String(allow_none=True)


class TimesheetPageOut(BaseSchema):
    items = fields.List(fields.Nested(TimesheetOut))
    meta = fields.Dict()
