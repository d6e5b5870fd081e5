"""Schemas of recurring work series (HTML forms and JSON API): a new series is a new work
item with a cadence; a series' page shows its pattern, cadence, people and next due time.
Apart from app.work.schemas only to keep that module within its size."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from app.core.schemas import BaseSchema, Id, Name
from app.core.timezones import short_in_zone
from app.work.models import SERIES_CADENCES, SERIES_STATUSES
from app.work.schemas import LOCK_VERSION, MemberRefOut, WorkItemIn, WorkItemOut

CADENCE_FIELD = {
    "validate": validate.OneOf(SERIES_CADENCES),
    "metadata": {"description": "How often the work repeats: weekly, fortnightly or monthly."},
}


class WorkSeriesIn(WorkItemIn):
    """A new series and its first item: the item's fields, with `title` as the pattern
    ({week}: the Monday of the item's due week, {date}, {month}, {n}: its number) and
    `due_at` the first item's due time (required)."""

    class Meta:
        # A series is not made from a client's request (a request becomes one item).
        exclude = ("request_id",)

    repeats = fields.String(required=True, **CADENCE_FIELD)
    due_at = fields.DateTime(
        required=True,
        metadata={"description": "The first item's due time (ISO 8601; without an offset, "
                  "the client's local time). Each next item is due one cadence later."},
    )  # fmt: skip


class WorkSeriesPatchIn(BaseSchema):
    """Change what the next items are made with (items made already keep theirs)."""

    title_pattern = Name(max=200)
    cadence = fields.String(**CADENCE_FIELD)
    assignee_id = Id()
    reviewer_id = Id()
    lock_version = fields.Integer(**LOCK_VERSION)


class SeriesItemOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    state = fields.String(dump_only=True)
    sequence = fields.Integer(dump_only=True)
    due_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class WorkSeriesOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    sop_id = fields.Integer(dump_only=True)
    title_pattern = fields.String(dump_only=True)
    cadence = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(SERIES_STATUSES)})
    assignee = fields.Nested(MemberRefOut, dump_only=True, allow_none=True)
    reviewer = fields.Nested(MemberRefOut, dump_only=True, allow_none=True)
    next_due_at = fields.AwareDateTime(dump_only=True)
    next_due_client_time = fields.Method("_next_client", dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)

    def _next_client(self, series: Any) -> str:
        return short_in_zone(series.next_due_at, series.client.time_zone)


class WorkSeriesDetailOut(WorkSeriesOut):
    items = fields.Method("_items", dump_only=True, metadata={"description": "In order."})

    def _items(self, found: Any) -> list[dict]:
        from app.work.series import series_items

        return SeriesItemOut(many=True).dump(series_items(found))


class WorkSeriesCreatedOut(BaseSchema):
    series = fields.Nested(WorkSeriesOut, dump_only=True)
    item = fields.Nested(WorkItemOut, dump_only=True)


class WorkSeriesListOut(BaseSchema):
    items = fields.List(fields.Nested(WorkSeriesOut), dump_only=True)
