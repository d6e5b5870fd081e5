"""JSON API of timesheets: submit a week, list and read timesheets, approve, reject (a
reason is required), reopen. The same rules and roles as the pages: a VA submits and sees
their own; owners and managers anyone's, and decide.

Routes with an id load the object first (`loads`), so another agency's id is a 404
whatever the body holds.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.pagination import paginate
from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.uow import commit
from app.timesheets.models import Timesheet
from app.timesheets.policy import TRACKERS, can_decide
from app.timesheets.queries import get_timesheet_or_404, visible_timesheets, week_start_of
from app.timesheets.schemas import (
    RejectIn,
    SubmitIn,
    TimesheetFilterArgs,
    TimesheetOut,
    TimesheetPageOut,
)
from app.timesheets.services import (
    approve_timesheet,
    reject_timesheet,
    reopen_timesheet,
    submit_week,
)

blp = Blueprint(
    "timesheets_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Weekly timesheets: submit, approve, reject, reopen",
)


@blp.route("/timesheets")
class TimesheetsResource(MethodView):
    @roles(*TRACKERS)
    @blp.arguments(TimesheetFilterArgs, location="query")
    @blp.response(200, TimesheetPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Timesheets, newest week first: a VA's own; owners and managers everyone's.
        Filters: week (any day of it), state, member. Weeks never submitted have none."""
        stmt = visible_timesheets(g.actor)
        if args.get("week"):
            stmt = stmt.where(Timesheet.week_start == week_start_of(args["week"]))
        if args.get("state") and args["state"] != "all":
            stmt = stmt.where(Timesheet.state == args["state"])
        if args.get("member_id"):
            stmt = stmt.where(Timesheet.membership_id == args["member_id"])
        stmt = stmt.order_by(Timesheet.week_start.desc(), Timesheet.id.desc())
        page = paginate(stmt, args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/timesheets/submit")
class SubmitResource(MethodView):
    @roles(*TRACKERS)
    @blp.arguments(SubmitIn)
    @blp.response(201, TimesheetOut)
    def post(self, data: dict, agency_slug: str) -> Timesheet:
        """Submit a week (`week`: any day of it, default this week). Owners and managers
        may give `membership_id`. 422 on `week` when it has not started, has no time or a
        running timer; 409 `timesheet_submitted` when already submitted or approved."""
        sheet = submit_week(g.actor, data)
        commit()
        return sheet


@blp.route("/timesheets/<int:timesheet_id>")
class TimesheetResource(MethodView):
    @roles(*TRACKERS)
    @loads(get_timesheet_or_404, "timesheet_id", "sheet")
    @blp.response(200, TimesheetOut)
    def get(self, agency_slug: str, sheet: Timesheet) -> Timesheet:
        """One timesheet."""
        return sheet


@blp.route("/timesheets/<int:timesheet_id>/approve")
class ApproveResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_timesheet_or_404, "timesheet_id", "sheet")
    @blp.response(200, TimesheetOut)
    def post(self, agency_slug: str, sheet: Timesheet) -> Timesheet:
        """Approve a submitted week: every entry of it is approved and locked."""
        authorize(can_decide(g.actor))
        approve_timesheet(g.actor, sheet)
        commit()
        return sheet


@blp.route("/timesheets/<int:timesheet_id>/reject")
class RejectResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_timesheet_or_404, "timesheet_id", "sheet")
    @blp.arguments(RejectIn)
    @blp.response(200, TimesheetOut)
    def post(self, data: dict, agency_slug: str, sheet: Timesheet) -> Timesheet:
        """Send a submitted week back; `reason` is required (the person reads it)."""
        authorize(can_decide(g.actor))
        reject_timesheet(g.actor, sheet, data.get("reason"))
        commit()
        return sheet


@blp.route("/timesheets/<int:timesheet_id>/reopen")
class ReopenResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_timesheet_or_404, "timesheet_id", "sheet")
    @blp.response(200, TimesheetOut)
    def post(self, agency_slug: str, sheet: Timesheet) -> Timesheet:
        """Open an approved week again (billed entries stay locked)."""
        authorize(can_decide(g.actor))
        reopen_timesheet(g.actor, sheet)
        commit()
        return sheet
