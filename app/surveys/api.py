"""JSON API of surveys: the list (owners and managers: all; a client contact: their own
client's), the satisfaction figures (owners and managers), and for a client contact their
open surveys and the answer to one (the portal page's rules: app.surveys.services), from the
same queries as the pages."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.clock import utcnow
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, authorize, roles
from app.core.uow import commit
from app.extensions import db
from app.surveys import policy
from app.surveys.figures import Report, satisfaction_report
from app.surveys.models import SCALES, Survey
from app.surveys.queries import filtered_surveys, get_survey_or_404
from app.surveys.schemas import (
    AnswerIn,
    PortalSurveyOut,
    PortalSurveysOut,
    SatisfactionFiguresOut,
    SurveyFilterArgs,
    SurveyOut,
    SurveyPageOut,
)
from app.surveys.services import answer_survey, survey_state

blp = Blueprint(
    "surveys_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Client satisfaction: CSAT after deliveries, quarterly NPS, and the figures",
)

OPEN_SHOWN = 50  # as the portal page


@blp.route("/surveys")
class Surveys(MethodView):
    @roles("owner", "manager", "client")
    @blp.arguments(SurveyFilterArgs, location="query")
    @blp.response(200, SurveyPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Surveys you may see, newest first (filter by kind: csat or nps): owners and
        managers every survey, a client contact their own client's."""
        page = paginate(filtered_surveys(g.actor, args.get("kind")), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/surveys/figures")
class SurveyFigures(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, SatisfactionFiguresOut)
    def get(self, agency_slug: str) -> Report:
        """CSAT average and NPS of the last 90 days (overall), and of the last twelve
        months per client, per VA, per SOP, per month (agency zone) and NPS per quarter."""
        authorize(policy.can_view_satisfaction(g.actor))
        return satisfaction_report(g.actor.agency.time_zone)


def _portal_out(survey: Survey, now: dt.datetime) -> dict:
    low, high = SCALES[survey.kind]
    out = {name: getattr(survey, name) for name in SurveyOut().fields}
    out.update(state=survey_state(survey, now), scale_min=low, scale_max=high)
    return out


def loads_answerable(fn: Callable) -> Callable:
    """Replace `survey_id` with the survey, locked (404 when not the caller's client's), and
    check the caller may answer it (403), before the body is parsed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        survey = get_survey_or_404(g.actor, kwargs.pop("survey_id"), lock=True)
        authorize(policy.can_answer_survey(g.actor, survey))
        kwargs["survey"] = survey
        return fn(*args, **kwargs)

    return wrapper


@blp.route("/surveys/open")
class OpenSurveys(MethodView):
    @roles("client")
    @blp.response(200, PortalSurveysOut)
    def get(self, agency_slug: str) -> dict:
        """Client contacts: your client's surveys waiting for an answer, newest first."""
        now = utcnow()
        surveys = db.session.scalars(filtered_surveys(g.actor).limit(OPEN_SHOWN)).unique()
        return {"items": [_portal_out(s, now) for s in surveys if survey_state(s, now) == "open"]}


@blp.route("/surveys/<int:survey_id>/answer")
class SurveyAnswer(MethodView):
    @roles("client")
    @loads_answerable
    @blp.arguments(AnswerIn)
    @blp.response(200, PortalSurveyOut)
    def post(self, data: dict, agency_slug: str, survey: Survey) -> dict:
        """Client contacts: answer one of your client's surveys (score 1-5 for CSAT, 0-10
        for NPS, and an optional comment), or change the answer within 24 hours of the
        first one. A score outside the survey's scale is 422 naming `score`; a survey
        answered more than 24 hours ago, or expired, is 409."""
        answer_survey(g.actor, survey, data, by=g.actor.membership)
        commit()
        return _portal_out(survey, utcnow())
