"""Schemas of capacity (HTML forms and JSON API).

Hours in forms: `<day>_<n>_start` / `<day>_<n>_end` (n = 1, 2) as HH:MM; an end of 00:00
is midnight. In the API: `days: {"mon": [{"start": "09:00", "end": "12:30"}, ...], ...}`.
Both become a schedule (seven lists of (start, end) minutes) in `schedule`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from app.capacity.holidays_cache import supported
from app.capacity.intervals import MAX_PER_DAY, WEEKDAY_KEYS, hhmm
from app.capacity.models import TIME_OFF_KINDS, TIME_OFF_STATES
from app.capacity.queries import MAX_WEEKS
from app.core.schemas import BaseSchema, CountryField, Id, PageArgs
from app.core.translation import lazy_gettext

MAX_SPAN_DAYS = 366
YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_YEARS = 5


def _minute(value: dt.time | None, *, end: bool) -> int | None:
    if value is None:
        return None
    minute = value.hour * 60 + value.minute
    return 1440 if end and minute == 0 else minute


def _day_problem(pairs: list[tuple[int, int]]) -> str | None:
    previous = -1
    for start, end in pairs:
        if end <= start:
            return str(lazy_gettext("The end must be after the start."))
        if start < previous:
            return str(lazy_gettext("The intervals of a day must not overlap."))
        previous = end
    return None


def _check_subdivision(data: dict, errors: dict) -> None:
    country, sub = data.get("country"), data.get("subdivision")
    if country and country not in supported():
        errors["country"] = [str(lazy_gettext("Public holidays of this country are not known."))]
    elif sub and not country:
        errors["subdivision"] = [str(lazy_gettext("Choose the country first."))]
    elif sub and sub not in supported()[country]:
        errors["subdivision"] = [str(lazy_gettext("Not a subdivision of this country."))]


class _HoursFormBase(BaseSchema):
    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        for key in WEEKDAY_KEYS:
            pairs = []
            for n in range(1, MAX_PER_DAY + 1):
                start = data.get(f"{key}_{n}_start")
                end = data.get(f"{key}_{n}_end")
                if (start is None) != (end is None):
                    missing = f"{key}_{n}_end" if end is None else f"{key}_{n}_start"
                    errors[missing] = [str(lazy_gettext("Give both the start and the end."))]
                    continue
                if start is None:
                    continue
                pair = (_minute(start, end=False), _minute(end, end=True))
                problem = _day_problem([*pairs, pair])
                if problem:
                    errors[f"{key}_{n}_end"] = [problem]
                    continue
                pairs.append(pair)
        if hasattr(self, "_extra_checks"):
            self._extra_checks(data, errors)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _schedule(self, data: dict, **kwargs: Any) -> dict:
        schedule = []
        for key in WEEKDAY_KEYS:
            day = []
            for n in range(1, MAX_PER_DAY + 1):
                start, end = data.pop(f"{key}_{n}_start", None), data.pop(f"{key}_{n}_end", None)
                if start is not None and end is not None:
                    day.append((_minute(start, end=False), _minute(end, end=True)))
            schedule.append(tuple(day))
        data["schedule"] = tuple(schedule)
        return data


def _time_fields() -> dict[str, fields.Field]:
    out: dict[str, fields.Field] = {}
    for key in WEEKDAY_KEYS:
        for n in range(1, MAX_PER_DAY + 1):
            for part in ("start", "end"):
                out[f"{key}_{n}_{part}"] = fields.Time(load_default=None, allow_none=True)
    return out


ClientHoursForm = _HoursFormBase.from_dict(_time_fields(), name="ClientHoursForm")


class _MemberHoursChecks:
    def _extra_checks(self, data: dict, errors: dict) -> None:
        _check_subdivision(data, errors)


MemberHoursForm = type(
    "MemberHoursForm",
    (_MemberHoursChecks, _HoursFormBase),
    {
        **_time_fields(),
        "country": CountryField(load_default=None, allow_none=True),
        "subdivision": fields.String(
            load_default=None, allow_none=True, validate=validate.Length(max=10)
        ),
    },
)


def form_values(schedule: Any, **extra: Any) -> dict:
    """A schedule as the hours form's values."""
    values: dict[str, Any] = dict(extra)
    for key, day in zip(WEEKDAY_KEYS, schedule, strict=True):
        for n, (start, end) in enumerate(day, start=1):
            values[f"{key}_{n}_start"] = hhmm(start)
            values[f"{key}_{n}_end"] = hhmm(end % 1440)
    return values


class HoursIntervalIO(BaseSchema):
    start = fields.Time(required=True, metadata={"description": "HH:MM, local."})
    end = fields.Time(required=True, metadata={"description": "HH:MM, local; 00:00 = midnight."})


class WeekHoursIO(BaseSchema):
    mon = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )
    tue = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )
    wed = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )
    thu = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )
    fri = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )
    sat = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )
    sun = fields.List(
        fields.Nested(HoursIntervalIO), load_default=list, validate=validate.Length(max=2)
    )

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        errors = {}
        for key in WEEKDAY_KEYS:
            pairs = [
                (_minute(i["start"], end=False), _minute(i["end"], end=True))
                for i in data.get(key) or []
            ]
            problem = _day_problem(pairs)
            if problem:
                errors[key] = [problem]
        if errors:
            raise ValidationError(errors)


def days_schedule(days: dict) -> tuple:
    return tuple(
        tuple(
            (_minute(i["start"], end=False), _minute(i["end"], end=True))
            for i in days.get(key) or []
        )
        for key in WEEKDAY_KEYS
    )


def schedule_days(schedule: Any) -> dict:
    return {
        key: [{"start": hhmm(s), "end": hhmm(e % 1440)} for s, e in day]
        for key, day in zip(WEEKDAY_KEYS, schedule, strict=True)
    }


class WorkingHoursIn(BaseSchema):
    days = fields.Nested(WeekHoursIO, required=True)
    country = CountryField(load_default=None, allow_none=True)
    subdivision = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=10)
    )

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        errors: dict = {}
        _check_subdivision(data, errors)
        if errors:
            raise ValidationError(errors)


class WorkingHoursOut(BaseSchema):
    membership_id = fields.Integer()
    time_zone = fields.String()
    days = fields.Dict()
    country = fields.String(allow_none=True)
    subdivision = fields.String(allow_none=True)
    custom = fields.Boolean()
    weekly_minutes = fields.Integer()


class BusinessHoursIn(BaseSchema):
    days = fields.Nested(WeekHoursIO, required=True)


class BusinessHoursOut(BaseSchema):
    client_id = fields.Integer()
    time_zone = fields.String()
    country = fields.String(allow_none=True)
    days = fields.Dict()
    custom = fields.Boolean()


class CapacityArgs(BaseSchema):
    weeks = fields.Integer(load_default=8, validate=validate.Range(min=1, max=MAX_WEEKS))


class CapacityWeekOut(BaseSchema):
    week_start = fields.Date()
    minutes = fields.Integer()


class CapacityOut(BaseSchema):
    membership_id = fields.Integer()
    weeks = fields.List(fields.Nested(CapacityWeekOut))


class HolidayYearsArgs(BaseSchema):
    """Years `from_year`..`to_year` (2000-2100, at most 5); default: this year."""

    from_year = fields.Integer(validate=validate.Range(min=YEAR_MIN, max=YEAR_MAX))
    to_year = fields.Integer(validate=validate.Range(min=YEAR_MIN, max=YEAR_MAX))

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        if "from_year" in data and "to_year" in data:
            if data["to_year"] < data["from_year"]:
                raise ValidationError(
                    {"to_year": [str(lazy_gettext("Must not be before from_year."))]}
                )
            if data["to_year"] - data["from_year"] >= MAX_YEARS:
                raise ValidationError(
                    {"to_year": [str(lazy_gettext("At most %(n)s years at once.", n=MAX_YEARS))]}
                )


class HolidayOut(BaseSchema):
    date = fields.Date()
    name = fields.String()


class HolidaysOut(BaseSchema):
    country = fields.String(allow_none=True)
    subdivision = fields.String(allow_none=True)
    items = fields.List(fields.Nested(HolidayOut))


class TimeOffIn(BaseSchema):
    """Time off: whole days `starts_on`..`ends_on` (default: one day), or `hours` off on one
    day. Owners and managers may give `membership_id` (entered: approved at once)."""

    membership_id = Id(load_default=None, allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    hours = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0.25, max=24),
        metadata={"description": "Hours off on one day (0.25-24); empty: whole days."},
    )
    kind = fields.String(load_default="vacation", validate=validate.OneOf(TIME_OFF_KINDS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _check(self, data: dict, **kwargs: Any) -> None:
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end:
            if end < start:
                raise ValidationError(
                    {"ends_on": [str(lazy_gettext("Must not be before the first day."))]}
                )
            if (end - start).days >= MAX_SPAN_DAYS:
                raise ValidationError({"ends_on": [str(lazy_gettext("At most a year at once."))]})
            if data.get("hours") is not None and end != start:
                raise ValidationError(
                    {"hours": [str(lazy_gettext("Hours off are for one day only."))]}
                )
        if start and not (YEAR_MIN <= start.year <= YEAR_MAX):
            raise ValidationError({"starts_on": [str(lazy_gettext("Not a valid date."))]})

    @post_load
    def _days(self, data: dict, **kwargs: Any) -> dict:
        data["ends_on"] = data.get("ends_on") or data["starts_on"]
        hours = data.pop("hours", None)
        data["minutes"] = round(hours * 60) if hours is not None else None
        return data


class TimeOffDeclineIn(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TimeOffArgs(PageArgs):
    state = fields.String(validate=validate.OneOf((*TIME_OFF_STATES, "all")))
    member_id = Id()
    date_from = fields.Date()
    date_to = fields.Date()


class TimeOffOut(BaseSchema):
    id = fields.Integer()
    membership_id = fields.Integer()
    member_name = fields.Function(lambda t: t.member.user.name)
    starts_on = fields.Date()
    ends_on = fields.Date()
    minutes = fields.Integer(allow_none=True)
    kind = fields.String()
    note = fields.String(allow_none=True)
    state = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class TimeOffPageOut(BaseSchema):
    items = fields.List(fields.Nested(TimeOffOut))
    meta = fields.Dict()


class MeetingSlotIn(BaseSchema):
    """A weekly meeting: weekday (0 = Monday) and start time in the client's zone."""

    client_id = Id(required=True)
    membership_id = Id(required=True)
    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    start = fields.Time(required=True, metadata={"description": "HH:MM in the client's zone."})
    duration_minutes = fields.Integer(load_default=30, validate=validate.Range(min=15, max=480))


class MeetingSlotFormIn(BaseSchema):
    """The client page's form (the client is the page's)."""

    membership_id = Id(required=True)
    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    start = fields.Time(required=True)
    duration_minutes = fields.Integer(load_default=30, validate=validate.Range(min=15, max=480))


class MeetingSlotArgs(BaseSchema):
    client_id = Id()
    membership_id = Id()


class MeetingSlotOut(BaseSchema):
    id = fields.Integer()
    client_id = fields.Integer()
    membership_id = fields.Integer()
    weekday = fields.Integer()
    start = fields.Function(lambda s: hhmm(s.start_minute))
    duration_minutes = fields.Integer()
    active = fields.Boolean()


class MeetingProposalArgs(BaseSchema):
    duration_minutes = fields.Integer(load_default=30, validate=validate.Range(min=15, max=240))
    count = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))


class MeetingProposalOut(BaseSchema):
    weekday = fields.Integer()
    start = fields.Function(lambda p: hhmm(p.start_minute))
    duration_minutes = fields.Integer()
    next_start_utc = fields.DateTime()
    va_weekday = fields.Integer()
    va_start = fields.Function(lambda p: hhmm(p.va_start_minute))
    weeks_fitting = fields.Integer()
    weeks_checked = fields.Integer()


class MeetingProposalsOut(BaseSchema):
    membership_id = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(MeetingProposalOut))


class WorkloadArgs(BaseSchema):
    weeks = fields.Integer(load_default=8, validate=validate.Range(min=1, max=MAX_WEEKS))
    member_id = Id(metadata={"description": "A membership id (owners and managers)."})


class WorkloadCellOut(BaseSchema):
    week_start = fields.Date()
    planned_minutes = fields.Integer()
    capacity_minutes = fields.Integer()
    over_capacity = fields.Boolean()
    low_buffer = fields.Boolean()


class WorkloadRowOut(BaseSchema):
    membership_id = fields.Integer()
    name = fields.String()
    weeks = fields.List(fields.Nested(WorkloadCellOut))


class WorkloadOut(BaseSchema):
    items = fields.List(fields.Nested(WorkloadRowOut))


class StrainRowOut(BaseSchema):
    membership_id = fields.Integer()
    name = fields.String()
    weeks_over_ahead = fields.Integer(
        metadata={"description": "Longest run of weeks over capacity from this week on."}
    )
    weeks_over_past = fields.Integer(
        metadata={"description": "Past weeks in a row (to last week) logged over capacity."}
    )
    over_capacity = fields.Boolean()
    outside_minutes = fields.Integer(
        metadata={"description": "Logged outside working hours in the last 14 days."}
    )
    outside_hours = fields.Boolean()
    overdue = fields.Integer()
    overdue_week_ago = fields.Integer()
    overdue_piling = fields.Boolean()
    overdue_growing = fields.Boolean()
    signals = fields.Integer()


class StrainOut(BaseSchema):
    thresholds = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(StrainRowOut))
