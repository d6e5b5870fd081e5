"""JSON API of surveys: the list (owners and managers: all; a client contact: their own
client's) and the satisfaction figures (owners and managers), from the same queries as the
pages."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.pagination import paginate
from app.core.permissions import MANAGERS, authorize, roles
from app.surveys import policy
from app.surveys.figures import Report, satisfaction_report
from app.surveys.queries import filtered_surveys
from app.surveys.schemas import SatisfactionFiguresOut, SurveyFilterArgs, SurveyPageOut

blp = Blueprint(
    "surveys_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Client satisfaction: CSAT after deliveries, quarterly NPS, and the figures",
)


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
