"""Schemas of rates and the time-billing settings (HTML forms and JSON API).

Amounts come as `rate` (major units as typed, "45.00"; the forms' way) or `rate_minor` (an
integer; the API's way), never both; the service converts `rate` once it knows the
currency. `effective_from` empty (or null) means "from the start": before any dated change.
"""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.catalogues import N_
from app.core.schemas import BaseSchema, CurrencyField, Id, MoneyField
from app.rates.models import COST_KINDS, DIRECTIONS, FROM_THE_START, INCREMENTS, LEVELS

MAX_RATE_MINOR = 10**12


class RateIn(BaseSchema):
    """What every rate has: an amount, its currency and its first day."""

    rate = MoneyField(label=N_("Rate"), allow_none=True, load_only=True)
    rate_minor = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_RATE_MINOR),
        metadata={"description": "The rate in minor units of the currency (or `rate`)."},
    )
    currency = CurrencyField(
        load_default=None,
        allow_none=True,
        metadata={"description": "Default: the client's (package's, agency's) currency."},
    )
    effective_from = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "The first day it applies; empty: from the start."},
    )


class BillRateIn(RateIn):
    """A bill rate from a day on, at one level: `agency` (the default), `package`
    (`service_package_id`), `client` (`client_id`), `client_member` (`client_id` and
    `membership_id`: one person's time for that client) or `work_item` (`work_item_id`)."""

    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    client_id = Id(load_default=None, allow_none=True)
    membership_id = Id(load_default=None, allow_none=True)
    work_item_id = Id(load_default=None, allow_none=True)
    service_package_id = Id(load_default=None, allow_none=True)


class CostRateIn(RateIn):
    """What the agency pays a person from a day on: `hourly`, or `per_item` (a fee per work
    item of the SOP `sop_id`)."""

    membership_id = Id(load_default=None, allow_none=True)
    kind = fields.String(load_default="hourly", validate=validate.OneOf(COST_KINDS))
    sop_id = Id(load_default=None, allow_none=True)


class CostRateFormIn(CostRateIn):
    """The person's page form: whose rate the URL says."""

    class Meta:
        exclude = ("membership_id",)


class TimeBillingSettingsIn(BaseSchema):
    rounding_increment = fields.Integer(
        validate=validate.OneOf(INCREMENTS),
        metadata={"description": "Each entry is rounded to this many minutes: 1, 6 or 15."},
    )
    rounding_direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    managers_see_costs = fields.Boolean(
        metadata={"description": "Managers see everyone's costs too (owners always do)."}
    )
    bill_only_qa_approved = fields.Boolean(
        metadata={
            "description": "Bill time on a work item only once QA approved the item "
            "(time with no work item is billed either way)."
        }
    )


def _day_or_none(row: object) -> object:
    day = row.effective_from  # type: ignore[attr-defined]
    return None if day <= FROM_THE_START else day.isoformat()


class BillRateOut(BaseSchema):
    id = fields.Integer()
    level = fields.String()
    client_id = fields.Integer(allow_none=True)
    membership_id = fields.Integer(allow_none=True)
    work_item_id = fields.Integer(allow_none=True)
    service_package_id = fields.Integer(allow_none=True)
    rate_minor = fields.Integer()
    currency = fields.String()
    effective_from = fields.Function(
        _day_or_none, metadata={"description": "Null: from the start.", "format": "date"}
    )
    created_at = fields.AwareDateTime()


class CostRateOut(BaseSchema):
    id = fields.Integer()
    membership_id = fields.Integer()
    kind = fields.String()
    sop_id = fields.Integer(allow_none=True)
    rate_minor = fields.Integer()
    currency = fields.String()
    effective_from = fields.Function(
        _day_or_none, metadata={"description": "Null: from the start.", "format": "date"}
    )
    created_at = fields.AwareDateTime()


class TimeBillingSettingsOut(BaseSchema):
    rounding_increment = fields.Integer()
    rounding_direction = fields.String()
    managers_see_costs = fields.Boolean()
    bill_only_qa_approved = fields.Boolean()


class BillRateFilterArgs(BaseSchema):
    level = fields.String(validate=validate.OneOf(LEVELS))
    client_id = Id()
    work_item_id = Id()
    service_package_id = Id()


class CostRateFilterArgs(BaseSchema):
    membership_id = Id()


class EntryRateOut(BaseSchema):
    """What an entry bills at: its rate (null when no level has one), where the rate came
    from, its minutes after the agency's rounding and their amount at the rate."""

    entry_id = fields.Integer()
    rate_minor = fields.Integer(allow_none=True)
    currency = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    billed_minutes = fields.Integer()
    amount_minor = fields.Integer(allow_none=True)
    cost_rate_minor = fields.Integer(
        allow_none=True, metadata={"description": "Only for those who may see the cost."}
    )
    cost_currency = fields.String(allow_none=True)
    cost_kind = fields.String(allow_none=True, metadata={"description": "hourly or per_item"})


class BillableEntryOut(BaseSchema):
    """An approved, unbilled entry of the invoice's client, as the `time` source sees it;
    `problem` says why it can't go on this invoice (null: it can)."""

    entry_id = fields.Integer()
    date = fields.Date()
    membership_id = fields.Integer()
    member_name = fields.String()
    work_item_id = fields.Integer(allow_none=True)
    work_item_title = fields.String(allow_none=True)
    activity_id = fields.Integer(allow_none=True)
    seconds = fields.Integer()
    billed_minutes = fields.Integer()
    rate_minor = fields.Integer(allow_none=True)
    currency = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    problem = fields.String(
        allow_none=True,
        metadata={"description": "no_rate, other_currency or awaiting_qa; null when billable."},
    )
    message = fields.String(allow_none=True)
