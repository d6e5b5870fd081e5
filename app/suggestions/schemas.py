"""Schemas of suggestions (HTML forms and JSON API): skill tags in, ranked VAs out."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields, validate

from app.core.schemas import BaseSchema, Id
from app.suggestions.models import TAG_MAX, TAGS_PER_TARGET

_DAYS = validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2099, 12, 31))


class SkillTagsFormIn(BaseSchema):
    """The tags form: one text box, tags separated by commas."""

    tags = fields.String(load_default="", validate=validate.Length(max=1500))


class SkillTagsIn(BaseSchema):
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=TAG_MAX)),
        required=True,
        validate=validate.Length(max=TAGS_PER_TARGET),
        metadata={"description": "The whole set (replaces the current tags); normalised."},
    )


class SkillTagsOut(Schema):
    kind = fields.String()
    id = fields.Integer()
    tags = fields.List(fields.String())


class SuggestionArgs(BaseSchema):
    sop_id = Id(metadata={"description": "The SOP of the work (its skill tags and FPY)."})
    due = fields.Date(validate=_DAYS, metadata={"description": "Free capacity counts until it."})
    assigned_only = fields.Boolean(
        load_default=False,
        metadata={"description": "Only VAs on the client today (as for a work item)."},
    )


class PointsOut(Schema):
    skills = fields.Float()
    capacity = fields.Float()
    overlap = fields.Float()
    quality = fields.Float()


class SuggestionOut(Schema):
    rank = fields.Integer()
    membership_id = fields.Integer()
    name = fields.String()
    score = fields.Float(metadata={"description": "0-100: the sum of `points`."})
    points = fields.Nested(PointsOut)
    assigned = fields.Boolean(metadata={"description": "On the client today."})
    matched_tags = fields.List(fields.String())
    wanted_tags = fields.Integer(metadata={"description": "Tags of the SOP and client."})
    free_hours = fields.Float(attribute="free_hours")
    capacity_hours = fields.Float(attribute="capacity_hours")
    window_end = fields.Date(metadata={"description": "Last day counted for free hours."})
    overlap_hours_per_day = fields.Float(attribute="overlap_hours")
    client_hours_per_day = fields.Float(attribute="client_hours")
    approved = fields.Integer(metadata={"description": "Items approved by QA, last 90 days."})
    first_pass = fields.Integer()
    first_pass_yield = fields.Float(allow_none=True)


class SuggestionListOut(Schema):
    client_id = fields.Integer()
    sop_id = fields.Integer(allow_none=True)
    due = fields.Date(allow_none=True)
    weights = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(SuggestionOut))


PICKS = ("client", "work_new", "work_item")


class SuggestionPageArgs(SuggestionArgs):
    """The page (and its fragment on the assigning forms): the SOP may come as the work
    form's `sop_version_id`, the due date as its `due_at` (a datetime-local value)."""

    sop_version_id = Id()
    due_at = fields.String(validate=validate.Length(max=40))
    pick = fields.String(load_default="client", validate=validate.OneOf(PICKS))
    work_item_id = Id()
    fragment = fields.Boolean(load_default=False)
