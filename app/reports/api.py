"""JSON API of the reports: the time report (the page's filters and grouping), its entries
as a streamed CSV, and estimates against actual time. The same rules as the pages: a VA's
own time only, owners and managers everyone's; estimates for owners and managers."""

from __future__ import annotations

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.clock import today_in, utcnow
from app.core.permissions import MANAGERS, authorize, roles
from app.core.schemas import file_response
from app.reports.downloads import time_csv_download
from app.reports.estimates import EstimateReport, estimate_report
from app.reports.policy import can_see_estimates, can_see_time_report
from app.reports.queries import TimeReport, time_report
from app.reports.schemas import EstimateArgs, EstimateReportOut, TimeReportArgs, TimeReportOut
from app.time.policy import TRACKERS
from app.time.queries import person_zone

blp = Blueprint(
    "reports_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Reports: time by client, person, SOP, activity, state or date; time entries "
    "as CSV; estimates against actual time",
)


@blp.route("/reports/time")
class TimeReportResource(MethodView):
    @roles(*TRACKERS)
    @blp.arguments(TimeReportArgs, location="query")
    @blp.response(200, TimeReportOut)
    def get(self, args: dict, agency_slug: str) -> TimeReport:
        """Recorded time in groups (`group`: client, member, sop, activity, billable, state,
        day, week or month) with totals, over the entries the filters select: a VA's own;
        owners and managers everyone's. Days are the entries' days in their person's zone;
        a running timer counts up to now."""
        actor = g.actor
        authorize(can_see_time_report(actor))
        today = today_in(person_zone(actor.membership))
        return time_report(actor, args, today=today, now=utcnow())


@blp.route("/reports/time-entries.csv")
class TimeEntriesCsv(MethodView):
    @roles(*TRACKERS)
    @blp.arguments(TimeReportArgs, location="query")
    @blp.doc(responses={"200": file_response(
        "One row per entry: date, person, client, work_item, sop, activity, billable, start, "
        "end (local times in the person's zone), zone, hours (decimal), state, notes. Text "
        "that would start a spreadsheet formula begins with a quote.",
        "text/csv", schema={"type": "string"})})  # fmt: skip
    def get(self, args: dict, agency_slug: str) -> Response:
        """The time entries the report's filters select, as a CSV streamed row by row
        (`group` is ignored)."""
        authorize(can_see_time_report(g.actor))
        return time_csv_download(g.actor, args)


@blp.route("/reports/estimates")
class EstimatesResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(EstimateArgs, location="query")
    @blp.response(200, EstimateReportOut)
    def get(self, args: dict, agency_slug: str) -> EstimateReport:
        """How long delivered work took against its estimate (actual / estimate), overall,
        per VA (the assignee) and per SOP: the median ratio and how many items were within
        ±20 %, under or over."""
        authorize(can_see_estimates(g.actor))
        return estimate_report(g.actor, days=args.get("days") or 90)
