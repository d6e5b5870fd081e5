"""Schemas of the reports: the time report's filters and grouping (the page's query string
and the API's, one schema), and what the API answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.schemas import BaseSchema, Id
from app.core.translation import gettext as _

# Periods are calendar ranges of the days entries count on (each in its person's zone),
# counted from today in the reader's zone; "custom" takes date_from and date_to.
PERIODS = ("this_week", "last_week", "this_month", "last_month", "this_year", "all", "custom")
STATES = ("running", "open", "approved", "billed")
GROUPS = ("client", "member", "sop", "activity", "billable", "state", "day", "week", "month")
ESTIMATE_DAYS = (30, 90, 365)


class TimeReportArgs(BaseSchema):
    """Filters and grouping of the time report (and of its CSV)."""

    period = fields.String(
        validate=validate.OneOf(PERIODS),
        metadata={
            "description": "A calendar range from today in your zone: this_month unless "
            "date_from or date_to is given (then custom)."
        },
    )
    date_from = fields.Date(metadata={"description": "First day (custom period)."})
    date_to = fields.Date(metadata={"description": "Last day (custom period)."})
    client_id = Id()
    member_id = Id(metadata={"description": "A membership id (owners and managers)."})
    sop_id = Id(metadata={"description": "Entries on work items of this SOP."})
    activity_id = Id()
    # Not a Boolean: a form's missing Boolean reads as false, and here missing means both.
    billable = fields.String(
        validate=validate.OneOf(("true", "false")),
        metadata={"description": "true: billable entries only; false: the others."},
    )
    state = fields.String(
        validate=validate.OneOf(STATES),
        metadata={
            "description": "running (a timer), open, approved (by a timesheet) or billed "
            "(on an invoice)."
        },
    )
    group = fields.String(
        validate=validate.OneOf(GROUPS),
        metadata={"description": "What the rows are: default client."},
    )

    @validates_schema
    def _range(self, data: dict, **kwargs: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The end of the range is before its start."), "date_to")


class EstimateArgs(BaseSchema):
    days = fields.Integer(
        validate=validate.OneOf(ESTIMATE_DAYS),
        metadata={"description": "Items delivered in the last 30, 90 (default) or 365 days."},
    )


class FiguresOut(BaseSchema):
    entries = fields.Integer()
    seconds = fields.Integer(metadata={"description": "A running timer's up to now."})
    billable_seconds = fields.Integer()
    hours = fields.Float(metadata={"description": "seconds / 3600, to two decimals."})
    billable_hours = fields.Float()


def _key(figures: Any) -> Any:
    key = figures.key
    return key.isoformat() if isinstance(key, dt.date) else key


class GroupOut(FiguresOut):
    key = fields.Function(
        _key,
        allow_none=True,
        metadata={
            "description": "The group's value: a client, membership, SOP or activity id; "
            "true or false (billable); a state; the first day of the day, week (Monday) or "
            "month. Null: entries without one (no SOP, no activity)."
        },
    )
    label = fields.String()


class PeriodOut(BaseSchema):
    name = fields.String(metadata={"description": "The period asked for (or its default)."})
    date_from = fields.Date(attribute="start", allow_none=True)
    date_to = fields.Date(attribute="end", allow_none=True)


class TimeReportOut(BaseSchema):
    period = fields.Nested(PeriodOut)
    group = fields.String()
    totals = fields.Nested(FiguresOut)
    groups = fields.List(
        fields.Nested(GroupOut),
        metadata={"description": "The largest groups (at most 100; calendar groups: all)."},
    )
    group_count = fields.Integer(metadata={"description": "Every group, shown or not."})
    others = fields.Nested(
        FiguresOut,
        allow_none=True,
        metadata={"description": "The groups after those shown, summed up (or null)."},
    )


class AccuracyOut(BaseSchema):
    key = fields.Integer(allow_none=True, metadata={"description": "Membership or SOP id."})
    label = fields.String()
    items = fields.Integer()
    median_ratio = fields.Float(
        allow_none=True, metadata={"description": "Median of actual time / estimate."}
    )
    within = fields.Integer(metadata={"description": "Items within ±20 % of the estimate."})
    under = fields.Integer(metadata={"description": "Items under 80 % of the estimate."})
    over = fields.Integer(metadata={"description": "Items over 120 % of the estimate."})
    within_share = fields.Float(allow_none=True, metadata={"description": "within / items."})


class EstimateReportOut(BaseSchema):
    days = fields.Integer()
    overall = fields.Nested(AccuracyOut)
    by_va = fields.List(fields.Nested(AccuracyOut))
    by_sop = fields.List(fields.Nested(AccuracyOut))
