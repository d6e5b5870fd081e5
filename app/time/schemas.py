"""Schemas of time entries, the timer and activities (HTML forms and JSON API)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.catalogues import N_
from app.core.formatting import normalise_digits
from app.core.schemas import BaseSchema, Id, PageArgs
from app.core.translation import gettext as _

MAX_NOTES = 2000
_HOURS_MINUTES = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_DECIMAL_HOURS = re.compile(r"^(\d{1,2})(?:[.,](\d{1,2}))?$")


class DurationField(fields.String):
    """A length of time as people type it: "1:30" (hours and minutes) or "1.5" (hours);
    loads as whole minutes."""

    def __init__(self, **kw: Any) -> None:
        metadata = {
            "pattern": r"^\d{1,2}(:[0-5]\d|[.,]\d{1,2})?$",
            "description": 'Hours and minutes ("1:30") or decimal hours ("1.5").',
            **(kw.pop("metadata", None) or {}),
        }
        super().__init__(metadata=metadata, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = normalise_digits(super()._deserialize(value, attr, data, **kwargs)).strip()
        if m := _HOURS_MINUTES.match(text):
            minutes = int(m.group(1)) * 60 + int(m.group(2))
        elif m := _DECIMAL_HOURS.match(text):
            fraction = m.group(2) or "0"
            minutes = int(m.group(1)) * 60 + round(int(fraction) * 60 / 10 ** len(fraction))
        else:
            raise ValidationError(_('Enter hours and minutes like "1:30", or hours like "1.5".'))
        if minutes <= 0:
            raise ValidationError(_("Enter a duration longer than zero."))
        return minutes


class EntryIn(BaseSchema):
    """A time entry: a date, then a start and an end (times of day in the person's zone),
    or a duration."""

    membership_id = Id(
        allow_none=True,
        metadata={"description": "Whose time (owners and managers); default: your own."},
    )
    client_id = Id(required=True)
    work_item_id = Id(allow_none=True, metadata={"description": "A work item of that client."})
    activity_id = Id(allow_none=True)
    billable = fields.Boolean(
        allow_none=True, metadata={"description": "Default: true (no client setting yet)."}
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=MAX_NOTES))
    date = fields.Date(required=True, metadata={"description": "The day, in the person's zone."})
    start = fields.Time(allow_none=True, metadata={"description": "HH:MM in the person's zone."})
    end = fields.Time(allow_none=True, metadata={"description": "HH:MM, after the start."})
    duration = DurationField(allow_none=True)
    confirm_overlap = fields.Boolean(
        load_default=False,
        metadata={"description": "Save even though it overlaps the person's other entries."},
    )


class EntryPatchIn(EntryIn):
    pass


class TimerStartIn(BaseSchema):
    client_id = Id(required=True)
    work_item_id = Id(allow_none=True)
    activity_id = Id(allow_none=True)
    billable = fields.Boolean(allow_none=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=MAX_NOTES))


class EntryFilterArgs(PageArgs):
    member_id = Id(metadata={"description": "A membership id (owners and managers)."})
    client_id = Id()
    work_item_id = Id()
    date_from = fields.Date()
    date_to = fields.Date()

    @validates_schema
    def _range(self, data: dict, **kwargs: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The end of the range is before its start."), "date_to")


class WeekArgs(BaseSchema):
    week = fields.Date()
    member = Id()


class ActivityIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    active = fields.Boolean(load_default=True)


class ActivityOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()


class EntryOut(BaseSchema):
    id = fields.Integer()
    membership_id = fields.Integer()
    member_name = fields.Function(lambda e: e.member.user.name)
    client_id = fields.Integer()
    client_name = fields.Function(lambda e: e.client.name)
    work_item_id = fields.Integer(allow_none=True)
    activity_id = fields.Integer(allow_none=True)
    activity_name = fields.Function(lambda e: e.activity.name if e.activity else None)
    billable = fields.Boolean()
    notes = fields.String(allow_none=True)
    date = fields.Date(attribute="entry_date")
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    duration_seconds = fields.Function(
        lambda e: e.seconds(), metadata={"description": "A running timer's: so far."}
    )
    running = fields.Boolean()
    zone = fields.String(metadata={"description": "The person's time zone at entry."})


class EntryPageOut(BaseSchema):
    items = fields.List(fields.Nested(EntryOut))
    meta = fields.Dict()


class TimerOut(BaseSchema):
    running = fields.Boolean()
    entry = fields.Nested(EntryOut, allow_none=True)
    stopped = fields.Nested(
        EntryOut, allow_none=True, metadata={"description": "The timer this call stopped."}
    )


# For the catalogue: said by the services.
MESSAGES = (N_("Does not exist."),)
