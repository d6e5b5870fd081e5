"""Schemas of the audit log: the list filters and the read-only event."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.schemas import BaseSchema, Id, PageArgs
from app.core.translation import gettext as _


class AuditFilterArgs(PageArgs):
    """Filters of the audit log; dates are days in the viewer's time zone, both included."""

    action = fields.String(validate=validate.Length(min=1, max=64))
    entity_type = fields.String(validate=validate.Length(min=1, max=32))
    actor_id = Id(metadata={"description": "User id of who acted."})
    entity_id = Id()
    date_from = fields.Date(metadata={"description": "First day, in your time zone."})
    date_to = fields.Date(metadata={"description": "Last day (included), in your time zone."})

    @validates_schema(skip_on_field_errors=False)
    def _range(self, data: dict, **kwargs: Any) -> None:
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError(_("Must not be before the start date."), "date_to")


class AuditEventOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    at = fields.AwareDateTime(dump_only=True)
    actor_user_id = fields.Integer(dump_only=True, allow_none=True)
    actor_label = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    entity_type = fields.String(dump_only=True)
    entity_id = fields.Integer(dump_only=True, allow_none=True)
    summary = fields.String(dump_only=True)
    before = fields.Dict(dump_only=True, allow_none=True)
    after = fields.Dict(dump_only=True, allow_none=True)
    ip = fields.String(dump_only=True, allow_none=True)


class AuditPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class AuditPageOut(BaseSchema):
    items = fields.List(fields.Nested(AuditEventOut), dump_only=True)
    meta = fields.Nested(AuditPageMetaOut, dump_only=True)
