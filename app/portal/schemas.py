"""Schemas of work requests, shared by the portal form, the staff page and the JSON API."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema, Name, PageArgs
from app.portal.models import REQUEST_STATUSES

DETAILS_MAX = 10_000


class WorkRequestIn(BaseSchema):
    """What a client contact asks for."""

    title = Name(required=True, max=200)
    details = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=DETAILS_MAX),
        metadata={"description": "Plain text; simple formatting is kept, the rest removed."},
    )
    wanted_by = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "The day the client would like it by, in their time zone."},
    )


class DeclineIn(BaseSchema):
    """Why the agency does not take a request on (the client contact is told)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class WorkRequestFilterArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))


class WorkRequestOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    requested_by_id = fields.Integer(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True)
    details = fields.String(dump_only=True, allow_none=True)
    wanted_by = fields.Date(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True)
    work_item_id = fields.Integer(dump_only=True, allow_none=True)
    decided_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    decline_reason = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class RequestPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class WorkRequestPageOut(BaseSchema):
    items = fields.List(fields.Nested(WorkRequestOut), dump_only=True)
    meta = fields.Nested(RequestPageMetaOut, dump_only=True)
