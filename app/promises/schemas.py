"""Schemas of the response-time promise's JSON API: open clocks and monthly figures."""

from __future__ import annotations

from marshmallow import fields

from app.core.schemas import BaseSchema


class ResponseClockOut(BaseSchema):
    id = fields.Integer()
    client_id = fields.Integer()
    va_membership_id = fields.Integer(allow_none=True)
    thread_kind = fields.String()
    thread_id = fields.Integer()
    source_kind = fields.String()
    source_id = fields.Integer()
    state = fields.String()
    received_at = fields.DateTime()
    promised_hours = fields.Integer()
    used_business_seconds = fields.Integer()
    due_at = fields.DateTime(allow_none=True)
    warned_at = fields.DateTime(allow_none=True)
    breached_at = fields.DateTime(allow_none=True)


class ResponseClocksOut(BaseSchema):
    items = fields.List(fields.Nested(ResponseClockOut))


class PromiseMonthOut(BaseSchema):
    month = fields.String(metadata={"description": "YYYY-MM, the agency's local month"})
    answered = fields.Integer()
    median_hours = fields.Float(allow_none=True, metadata={"description": "business hours"})
    breaches = fields.Integer()


class PromiseFiguresOut(BaseSchema):
    client_id = fields.Integer(allow_none=True)
    va_membership_id = fields.Integer(allow_none=True)
    promised_hours = fields.Integer(allow_none=True)
    months = fields.List(fields.Nested(PromiseMonthOut))


class AgencyHoursOut(BaseSchema):
    """The agency's business week (local HH:MM in its zone) and holiday country;
    `custom` false: the default week (Monday to Friday, 09:00-17:00) is in force."""

    time_zone = fields.String()
    days = fields.Dict()
    country = fields.String(allow_none=True)
    subdivision = fields.String(allow_none=True)
    custom = fields.Boolean()
