"""Schemas of request threads: an answer in the thread (the HTML forms and the API) and the
thread as the API gives it."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema
from app.inbound.services import REPLY_MAX


class ReplyIn(BaseSchema):
    """An answer in the thread: an owner's or manager's is emailed to the client contact, a
    client contact's is told to owners and managers."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=REPLY_MAX))
    asks_client = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Staff: the answer asks the client for something, so the "
            "response clock waits for their next message."
        },
    )


class RequestFileOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    filename = fields.String(dump_only=True)
    content_type = fields.String(
        dump_only=True, metadata={"description": "detected from the bytes"}
    )
    size = fields.Integer(dump_only=True, metadata={"description": "bytes"})
    download_url = fields.String(dump_only=True)


class DroppedFileOut(BaseSchema):
    filename = fields.String(dump_only=True)
    reason = fields.String(
        dump_only=True, metadata={"description": "too_large, empty or refused_type"}
    )


class RequestMessageOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    author_name = fields.String(dump_only=True)
    author = fields.String(dump_only=True, metadata={"description": "client or agency"})
    body = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "sanitized HTML; none for the mail that opened the request"},
    )
    received_at = fields.AwareDateTime(dump_only=True)
    opens_request = fields.Boolean(dump_only=True)
    files = fields.List(fields.Nested(RequestFileOut), dump_only=True)


class ThreadOut(BaseSchema):
    work_request_id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    details = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "sanitized HTML"}
    )
    messages = fields.List(
        fields.Nested(RequestMessageOut),
        dump_only=True,
        metadata={"description": "oldest first; the mail that opened the request first"},
    )
    dropped_files = fields.List(fields.Nested(DroppedFileOut), dump_only=True)
