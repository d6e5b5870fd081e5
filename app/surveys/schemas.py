"""Schemas of surveys, shared by the answer page, the portal, the settings form and the API."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema, PageArgs
from app.surveys.models import KINDS
from app.surveys.services import COMMENT_MAX


class AnswerIn(BaseSchema):
    """A client's answer: the score (1-5 for CSAT, 0-10 for NPS) and an optional comment."""

    score = fields.Integer(required=True, validate=validate.Range(min=0, max=10))
    comment = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=COMMENT_MAX)
    )


class SettingsIn(BaseSchema):
    """At most one CSAT per client in this many days."""

    csat_interval_days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))


class SurveyFilterArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(KINDS))


class SurveyOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    work_item_id = fields.Integer(dump_only=True, allow_none=True)
    period = fields.String(dump_only=True, allow_none=True)
    recipients = fields.List(fields.String(), dump_only=True)
    recipient_source = fields.String(
        dump_only=True,
        metadata={"description": "approver (who approved the work) or contacts (all with email)"},
    )
    sent_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)
    score = fields.Integer(dump_only=True, allow_none=True)
    comment = fields.String(dump_only=True, allow_none=True)
    answered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    follow_up_item_id = fields.Integer(dump_only=True, allow_none=True)


class PortalSurveyOut(SurveyOut):
    """A survey as its client contact answers it: its state and scale."""

    state = fields.String(
        dump_only=True,
        metadata={"description": "open, changeable (answered, may be changed for 24 hours), "
                  "final or expired"},
    )  # fmt: skip
    scale_min = fields.Integer(dump_only=True)
    scale_max = fields.Integer(dump_only=True)


class PortalSurveysOut(BaseSchema):
    items = fields.List(fields.Nested(PortalSurveyOut), dump_only=True)


class SurveyPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class SurveyPageOut(BaseSchema):
    items = fields.List(fields.Nested(SurveyOut), dump_only=True)
    meta = fields.Nested(SurveyPageMetaOut, dump_only=True)


class SatisfactionFigureOut(BaseSchema):
    key = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    csat = fields.Float(dump_only=True, allow_none=True, metadata={"description": "average 1-5"})
    csat_count = fields.Integer(dump_only=True)
    nps = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "-100 to 100"})
    nps_count = fields.Integer(dump_only=True)


class SatisfactionFiguresOut(BaseSchema):
    since = fields.AwareDateTime(dump_only=True)
    overall = fields.Nested(SatisfactionFigureOut, dump_only=True)
    clients = fields.List(fields.Nested(SatisfactionFigureOut), dump_only=True)
    vas = fields.List(fields.Nested(SatisfactionFigureOut), dump_only=True)
    sops = fields.List(fields.Nested(SatisfactionFigureOut), dump_only=True)
    months = fields.List(fields.Nested(SatisfactionFigureOut), dump_only=True)
    quarters = fields.List(fields.Nested(SatisfactionFigureOut), dump_only=True)
