"""Schemas of the week planner (HTML forms and JSON API).

The page's forms give a local day, a local start time (HH:MM, in the member's zone) and a
length in minutes; the API gives `starts_at` (an instant; UTC when it has no offset).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.schemas import BaseSchema, Id
from app.core.translation import lazy_gettext
from app.planner.models import MAX_MINUTES, MIN_MINUTES

YEAR_MIN, YEAR_MAX = 2000, 2100


def _minutes(**kw: Any) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=MIN_MINUTES, max=MAX_MINUTES),
        metadata={"description": f"Length in minutes ({MIN_MINUTES}-{MAX_MINUTES})."},
        **kw,
    )


def _year_ok(value: dt.date | dt.datetime | None, name: str) -> None:
    if value is not None and not (YEAR_MIN <= value.year <= YEAR_MAX):
        raise ValidationError({name: [str(lazy_gettext("Not a valid date."))]})


class BlockMoveFormIn(BaseSchema):
    """A block's own form: move it to a day and start, and/or change its length."""

    day = fields.Date(required=True)
    start = fields.Time(required=True)
    minutes = _minutes(required=True)

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        _year_ok(data.get("day"), "day")


class BlockFormIn(BlockMoveFormIn):
    """The planner page's form: plan a block (the move form's fields and the work item)."""

    work_item_id = Id(required=True)


class TimeBlockIn(BaseSchema):
    work_item_id = Id(required=True)
    starts_at = fields.AwareDateTime(
        required=True,
        default_timezone=dt.UTC,
        metadata={"description": "When the block starts (UTC when no offset is given)."},
    )
    minutes = _minutes(required=True)

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        _year_ok(data.get("starts_at"), "starts_at")


class TimeBlockPatch(BaseSchema):
    starts_at = fields.AwareDateTime(
        default_timezone=dt.UTC,
        metadata={"description": "When the block starts (UTC when no offset is given)."},
    )
    minutes = _minutes()

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        _year_ok(data.get("starts_at"), "starts_at")


class WeekArgs(BaseSchema):
    week = fields.Date(
        load_default=None,
        metadata={
            "description": "Any day of the week (Monday to Sunday in the member's zone); "
            "default: this week."
        },
    )

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        _year_ok(data.get("week"), "week")


class TimeBlockOut(BaseSchema):
    id = fields.Integer()
    membership_id = fields.Integer()
    work_item_id = fields.Integer()
    work_item_title = fields.String()
    client_id = fields.Integer()
    client_name = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    minutes = fields.Integer()
    local_start = fields.String(metadata={"description": "Start in the member's zone, ISO 8601."})
    client_time_zone = fields.String()
    client_start = fields.String(metadata={"description": "Start in the client's zone, ISO 8601."})
    ends_after_due = fields.Boolean()
    warnings = fields.List(fields.String())


class WeekOut(BaseSchema):
    membership_id = fields.Integer()
    time_zone = fields.String()
    week_start = fields.Date()
    planned_minutes = fields.Integer()
    capacity_minutes = fields.Integer()
    over_capacity = fields.Boolean()
    low_buffer = fields.Boolean()
    warnings = fields.List(fields.String())
    items = fields.List(fields.Nested(TimeBlockOut))
