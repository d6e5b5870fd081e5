"""Schemas of payouts (HTML forms and JSON API)."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields, validate

from app.core.schemas import BaseSchema, Id, MoneyField, PageArgs
from app.core.translation import lazy_gettext
from app.payouts.models import ADJUSTMENT_KINDS, METHODS, PERIODS, STATES, WEEK_STARTS

_DAYS = validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2099, 12, 31))


class PayoutSettingsIn(BaseSchema):
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    week_start = fields.String(load_default="monday", validate=validate.OneOf(tuple(WEEK_STARTS)))
    fortnight_anchor = fields.Date(load_default=None, allow_none=True, validate=_DAYS)


class PayoutPeriodArgs(BaseSchema):
    period = fields.Date(validate=_DAYS, metadata={"description": "Any day of the period."})


class PayoutGenerateIn(BaseSchema):
    period = fields.Date(
        required=True, validate=_DAYS, metadata={"description": "Any day of the period."}
    )


class PayoutListArgs(PageArgs):
    period = fields.Date(validate=_DAYS, metadata={"description": "Any day of the period."})
    member_id = Id(metadata={"description": "A membership id."})
    state = fields.String(validate=validate.OneOf((*STATES, "all")))


class PayoutAdjustmentIn(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(ADJUSTMENT_KINDS))
    amount = MoneyField(label=lazy_gettext("Amount"), required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PayoutPaidIn(BaseSchema):
    amount = MoneyField(label=lazy_gettext("Amount"), required=True)
    paid_on = fields.Date(required=True, validate=_DAYS)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class PayoutLineOut(BaseSchema):
    source_start = fields.Date()
    source_end = fields.Date()
    carried = fields.Function(lambda ln: ln.source_start != ln.statement.period_start)
    client_id = fields.Integer(allow_none=True)
    sop_id = fields.Integer(allow_none=True)
    month = fields.Date()
    kind = fields.String()
    rate_minor = fields.Integer(allow_none=True)
    currency = fields.String(allow_none=True)
    seconds = fields.Integer()
    items = fields.Integer()
    amount_minor = fields.Integer()


class PayoutAdjustmentOut(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    amount_minor = fields.Integer()
    reason = fields.String()
    created_at = fields.DateTime()


class PayoutStatementOut(BaseSchema):
    id = fields.Integer()
    membership_id = fields.Integer()
    member_name = fields.Function(lambda s: s.member.user.name)
    period_start = fields.Date()
    period_end = fields.Date(metadata={"description": "The day after the period's last."})
    currency = fields.String()
    state = fields.String()
    lines_minor = fields.Integer()
    adjustments_minor = fields.Integer()
    total_minor = fields.Integer()
    unpriced_seconds = fields.Integer()
    unpriced_accepted = fields.Function(lambda s: s.unpriced_accepted_at is not None)
    paid_amount_minor = fields.Integer(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    paid_method = fields.String(allow_none=True)
    paid_reference = fields.String(allow_none=True)
    csv_url = fields.Method("_csv")
    pdf_url = fields.Method("_pdf")

    def _csv(self, s) -> str:
        return f"/{s.member.agency.slug}/payouts/{s.id}/csv"

    def _pdf(self, s) -> str | None:
        return f"/{s.member.agency.slug}/payouts/{s.id}/pdf" if s.pdf_key else None


class PayoutStatementDetailOut(PayoutStatementOut):
    lines = fields.List(fields.Nested(PayoutLineOut))
    adjustments = fields.List(fields.Nested(PayoutAdjustmentOut))


class PayoutStatementPageOut(BaseSchema):
    items = fields.List(fields.Nested(PayoutStatementOut))
    meta = fields.Dict()
