"""Schema of a staff answer to a work request (the HTML form; the text is emailed)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema
from app.inbound.services import REPLY_MAX


class ReplyIn(BaseSchema):
    """An owner's or manager's answer, emailed to the client contact."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=REPLY_MAX))
