"""Schemas of digests (HTML forms and JSON API)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema


class PausedIn(BaseSchema):
    paused = fields.Boolean(required=True)


class ScheduleIn(BaseSchema):
    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    send_time = fields.Time(required=True, format="%H:%M")


class DigestSummaryOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    week_start = fields.Date(dump_only=True)
    sent_at = fields.DateTime(dump_only=True)
    locale = fields.String(dump_only=True)
    recipients = fields.List(fields.String(), dump_only=True)
    snapshot = fields.Dict(dump_only=True)


class DigestHistoryOut(BaseSchema):
    paused = fields.Boolean(dump_only=True)
    items = fields.List(fields.Nested(DigestSummaryOut), dump_only=True)


class DigestPreviewOut(BaseSchema):
    paused = fields.Boolean(dump_only=True)
    recipients = fields.List(fields.String(), dump_only=True)
    subject = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    html = fields.String(dump_only=True)
    snapshot = fields.Dict(dump_only=True)


class DigestPausedOut(BaseSchema):
    client_id = fields.Integer(dump_only=True)
    paused = fields.Boolean(dump_only=True)
