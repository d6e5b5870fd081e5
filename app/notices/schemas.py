"""Schemas of the notification preferences' JSON API."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema
from app.notices.kinds import CHANNELS


class NoticePreferenceOut(BaseSchema):
    kind = fields.String(metadata={"description": "the kind's code, e.g. work_assigned"})
    label = fields.String()
    channel = fields.String(metadata={"description": "now, daily or off"})
    fixed = fields.Boolean(
        metadata={"description": "true: your role cannot change it (owners' security mail)"}
    )


class NoticePreferencesOut(BaseSchema):
    items = fields.List(fields.Nested(NoticePreferenceOut))


class NoticePreferencesIn(BaseSchema):
    """Kind code -> channel; kinds left out keep their choice."""

    preferences = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=32)),
        values=fields.String(validate=validate.OneOf(CHANNELS)),
        required=True,
    )
