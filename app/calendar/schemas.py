"""Schemas of the calendar (the page's query string, the JSON API)."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, fields, validate, validates_schema

from app.calendar.grid import VIEWS
from app.calendar.registry import registered_kinds
from app.core.schemas import BaseSchema, Id
from app.core.translation import gettext as _

MAX_RANGE_DAYS = 62
EARLIEST = dt.date(1971, 1, 1)
LATEST = dt.date(2199, 12, 31)


class RegisteredKind(validate.OneOf):
    """One of the kinds registered when the value is checked (and when the OpenAPI document
    is written), so a source plugged in later is a valid filter without touching this."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(registered_kinds())

    @choices.setter
    def choices(self, value: object) -> None:
        pass

    @property  # type: ignore[override]
    def choices_text(self) -> str:
        return ", ".join(self.choices)

    @choices_text.setter
    def choices_text(self, value: object) -> None:
        pass

    def __call__(self, value: str) -> str:
        if value not in self.choices:
            raise ValidationError(_("Must be one of: %(choices)s.", choices=self.choices_text))
        return value


def _shown_date(value: dt.date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(_("Pick a date between 1971 and 2199."))


def _date(**kw) -> fields.Date:
    return fields.Date(validate=_shown_date, **kw)


class _Filters(BaseSchema):
    client = Id(load_default=None, allow_none=True, metadata={"description": "A client id."})
    member = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "A membership id (owners and managers; others: their own)."},
    )
    kind = fields.String(
        load_default=None,
        allow_none=True,
        validate=RegisteredKind(),
        metadata={"description": "One kind of event: work_due, stage_due, invoice_due, ..."},
    )


class CalendarArgs(_Filters):
    """The calendar page: ?view=month|week&date=YYYY-MM-DD&client=&member=&kind=."""

    view = fields.String(load_default="month", validate=validate.OneOf(VIEWS))
    date = _date(load_default=None, allow_none=True)


class CalendarEventsArgs(_Filters):
    """The API's range: `start` and `end` days (both included) in the caller's zone, at
    most 62 days; by default from today to 30 days on."""

    start = _date(
        load_default=None,
        allow_none=True,
        metadata={"description": "First day (the caller's zone); default today."},
    )
    end = _date(
        load_default=None,
        allow_none=True,
        metadata={"description": "Last day, included; at most 62 days; default start + 30."},
    )

    @validates_schema
    def _range(self, data: dict, **kwargs) -> None:
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return
        if end < start:
            raise ValidationError(_("Must not be before the start."), "end")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise ValidationError(_("The range may cover at most 62 days."), "end")


class CalendarEventOut(BaseSchema):
    kind = fields.String()
    uid = fields.String()
    title = fields.String()
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    all_day = fields.Date(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    client_name = fields.String(allow_none=True)
    client_zone = fields.String(allow_none=True)
    membership_id = fields.Integer(allow_none=True)
    person = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    overdue = fields.Boolean()
    extra = fields.Dict()


class CalendarEventsOut(BaseSchema):
    zone = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    events = fields.List(fields.Nested(CalendarEventOut))


class CalendarFeedStatusOut(BaseSchema):
    active = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)
    last_fetched_at = fields.DateTime(allow_none=True)
    fetch_count = fields.Integer()
    days_back = fields.Integer()
    days_ahead = fields.Integer()
    url = fields.String(
        allow_none=True, metadata={"description": "Only right after (re)generation."}
    )
