"""JSON API of capacity: a member's working hours (GET/PUT), capacity of the next weeks,
holidays of a member or a client, time off (list, create, approve, decline, cancel), a
client's business hours (GET/PUT), meeting slots (list, create, delete) and the proposal.

The same rules as the pages: a person reads and edits their own hours and time off; owners
and managers anyone's, decide on requests, and handle clients' hours and meetings. Routes
with an id load the object first, so another agency's id is a 404 whatever the body holds.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.capacity.intervals import weekly_minutes
from app.capacity.meetings import primary_va_id, propose_slots
from app.capacity.models import MeetingSlot, TimeOff
from app.capacity.policy import PEOPLE, can_decide, can_edit_hours, can_manage_clients
from app.capacity.queries import (
    client_holidays,
    client_profile,
    get_editable_member_or_404,
    get_member_or_404,
    get_slot_or_404,
    get_time_off_or_404,
    member_holidays,
    profile,
    staff_members,
    time_off_query,
    weekly_capacity,
)
from app.capacity.schemas import (
    BusinessHoursIn,
    BusinessHoursOut,
    CapacityArgs,
    CapacityOut,
    HolidaysOut,
    HolidayYearsArgs,
    MeetingProposalArgs,
    MeetingProposalsOut,
    MeetingSlotArgs,
    MeetingSlotIn,
    MeetingSlotOut,
    StrainOut,
    TimeOffArgs,
    TimeOffDeclineIn,
    TimeOffIn,
    TimeOffOut,
    TimeOffPageOut,
    WorkingHoursIn,
    WorkingHoursOut,
    WorkloadArgs,
    WorkloadOut,
    days_schedule,
    schedule_days,
)
from app.capacity.services import (
    approve_time_off,
    cancel_time_off,
    create_slot,
    decline_time_off,
    delete_slot,
    request_time_off,
    save_client_hours,
    save_hours,
)
from app.capacity.strain import LIMITS, team_load
from app.capacity.workload import workload
from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.clock import today_in, utcnow
from app.core.errors import ValidationFailed
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.users.models import Membership

blp = Blueprint(
    "capacity_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Capacity: working hours, time off, holidays, business hours, meeting slots",
)


def _hours_out(member: Membership) -> dict:
    prof = profile(member)
    return {
        "membership_id": member.id,
        "time_zone": prof.zone_name,
        "days": schedule_days(prof.schedule),
        "country": prof.country,
        "subdivision": prof.subdivision,
        "custom": prof.custom,
        "weekly_minutes": weekly_minutes(prof.schedule),
    }


def _client_out(client: Client) -> dict:
    cprof = client_profile(client)
    return {
        "client_id": client.id,
        "time_zone": cprof.zone_name,
        "country": cprof.country,
        "days": schedule_days(cprof.schedule),
        "custom": cprof.custom,
    }


@blp.route("/members/<int:membership_id>/working-hours")
class WorkingHoursResource(MethodView):
    @roles(*PEOPLE)
    @loads(get_member_or_404, "membership_id", "member")
    @blp.response(200, WorkingHoursOut)
    def get(self, agency_slug: str, member: Membership) -> dict:
        """A member's week (local HH:MM in their zone) and holiday country; the default
        week (Monday to Friday, 09:00-17:00) when none is saved (`custom` false)."""
        return _hours_out(member)

    @roles(*PEOPLE)
    @loads(get_editable_member_or_404, "membership_id", "member")
    @blp.arguments(WorkingHoursIn)
    @blp.response(200, WorkingHoursOut)
    def put(self, data: dict, agency_slug: str, member: Membership) -> dict:
        """Replace a member's week: up to two intervals a day; a day left out is off."""
        authorize(can_edit_hours(g.actor, member.id))
        save_hours(g.actor, member, {**data, "schedule": days_schedule(data["days"])})
        commit()
        return _hours_out(member)


@blp.route("/members/<int:membership_id>/capacity")
class CapacityResource(MethodView):
    @roles(*PEOPLE)
    @loads(get_member_or_404, "membership_id", "member")
    @blp.arguments(CapacityArgs, location="query")
    @blp.response(200, CapacityOut)
    def get(self, args: dict, agency_slug: str, member: Membership) -> dict:
        """Working minutes of each of the next `weeks` weeks (1-26, Monday first, in the
        member's zone): hours less approved time off and public holidays."""
        prof = profile(member)
        today = today_in(prof.zone_name)
        first = today - dt.timedelta(days=today.weekday())
        caps = weekly_capacity([member.id], first, args["weeks"])
        weeks = [first + dt.timedelta(days=7 * w) for w in range(args["weeks"])]
        return {
            "membership_id": member.id,
            "weeks": [{"week_start": w, "minutes": caps[(member.id, w)]} for w in weeks],
        }


def _holidays(items: dict) -> list[dict]:
    return [{"date": d, "name": n} for d, n in items.items()]


def _years(args: dict, zone: str) -> tuple[dt.date, dt.date]:
    this_year = today_in(zone).year
    first = args.get("from_year") or min(args.get("to_year") or this_year, this_year)
    last = args.get("to_year") or max(first, min(this_year, first + 4))
    if last < first or last - first >= 5:
        raise ValidationFailed({"to_year": [_("At most 5 years, from from_year on.")]})
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


@blp.route("/members/<int:membership_id>/holidays")
class MemberHolidaysResource(MethodView):
    @roles(*PEOPLE)
    @loads(get_member_or_404, "membership_id", "member")
    @blp.arguments(HolidayYearsArgs, location="query")
    @blp.response(200, HolidaysOut)
    def get(self, args: dict, agency_slug: str, member: Membership) -> dict:
        """Public holidays of the member's country (and subdivision), `from_year` to
        `to_year` (2000-2100, at most 5 years)."""
        prof = profile(member)
        first, last = _years(args, prof.zone_name)
        return {
            "country": prof.country,
            "subdivision": prof.subdivision,
            "items": _holidays(member_holidays(prof, first, last)),
        }


@blp.route("/clients/<int:client_id>/holidays")
class ClientHolidaysResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(HolidayYearsArgs, location="query")
    @blp.response(200, HolidaysOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """Public holidays of the client's country."""
        cprof = client_profile(client)
        first, last = _years(args, cprof.zone_name)
        return {
            "country": cprof.country,
            "subdivision": None,
            "items": _holidays(client_holidays(cprof, first, last)),
        }


@blp.route("/clients/<int:client_id>/business-hours")
class BusinessHoursResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, BusinessHoursOut)
    def get(self, agency_slug: str, client: Client) -> dict:
        """The client's business hours (local HH:MM in the client's zone)."""
        return _client_out(client)

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(BusinessHoursIn)
    @blp.response(200, BusinessHoursOut)
    def put(self, data: dict, agency_slug: str, client: Client) -> dict:
        """Replace the client's business hours."""
        authorize(can_manage_clients(g.actor))
        save_client_hours(g.actor, client, {"schedule": days_schedule(data["days"])})
        commit()
        return _client_out(client)


@blp.route("/time-off")
class TimeOffListResource(MethodView):
    @roles(*PEOPLE)
    @blp.arguments(TimeOffArgs, location="query")
    @blp.response(200, TimeOffPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Time off, latest first: one's own; everyone's for owners and managers. Filters:
        state, member, days overlapping date_from..date_to."""
        page = paginate(time_off_query(g.actor, args), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*PEOPLE)
    @blp.arguments(TimeOffIn)
    @blp.response(201, TimeOffOut)
    def post(self, data: dict, agency_slug: str) -> TimeOff:
        """Request time off (pending), or, for owners and managers, enter it for anyone
        (`membership_id`; approved at once)."""
        row = request_time_off(g.actor, data)
        commit()
        return row


@blp.route("/time-off/<int:time_off_id>/approve")
class ApproveResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_time_off_or_404, "time_off_id", "row")
    @blp.response(200, TimeOffOut)
    def post(self, agency_slug: str, row: TimeOff) -> TimeOff:
        """Approve a pending request (409 otherwise)."""
        authorize(can_decide(g.actor))
        approve_time_off(g.actor, row)
        commit()
        return row


@blp.route("/time-off/<int:time_off_id>/decline")
class DeclineResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_time_off_or_404, "time_off_id", "row")
    @blp.arguments(TimeOffDeclineIn)
    @blp.response(200, TimeOffOut)
    def post(self, data: dict, agency_slug: str, row: TimeOff) -> TimeOff:
        """Decline a pending request; `reason` is required (the person reads it)."""
        authorize(can_decide(g.actor))
        decline_time_off(g.actor, row, data.get("reason"))
        commit()
        return row


@blp.route("/time-off/<int:time_off_id>/cancel")
class CancelResource(MethodView):
    @roles(*PEOPLE)
    @loads(get_time_off_or_404, "time_off_id", "row")
    @blp.response(200, TimeOffOut)
    def post(self, agency_slug: str, row: TimeOff) -> TimeOff:
        """Cancel: one's own while pending; owners and managers any not yet over (409)."""
        cancel_time_off(g.actor, row)
        commit()
        return row


@blp.route("/meeting-slots")
class SlotsResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(MeetingSlotArgs, location="query")
    @blp.response(200, MeetingSlotOut(many=True))
    def get(self, args: dict, agency_slug: str) -> list:
        """Meeting slots (weekday 0 = Monday and start in the client's zone)."""
        stmt = sa.select(MeetingSlot)
        if args.get("client_id"):
            stmt = stmt.where(MeetingSlot.client_id == args["client_id"])
        if args.get("membership_id"):
            stmt = stmt.where(MeetingSlot.membership_id == args["membership_id"])
        stmt = stmt.order_by(MeetingSlot.client_id, MeetingSlot.weekday, MeetingSlot.start_minute)
        return list(db.session.scalars(stmt.limit(1000)))

    @roles(*MANAGERS)
    @blp.arguments(MeetingSlotIn)
    @blp.response(201, MeetingSlotOut)
    def post(self, data: dict, agency_slug: str) -> MeetingSlot:
        """Save a weekly meeting slot of a client with a VA."""
        authorize(can_manage_clients(g.actor))
        client = db.session.get(Client, data["client_id"])
        if client is None:
            raise ValidationFailed({"client_id": [_("Does not exist.")]})
        slot = create_slot(g.actor, client, data)
        commit()
        return slot


@blp.route("/meeting-slots/<int:slot_id>")
class SlotResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_slot_or_404, "slot_id", "slot")
    @blp.response(204)
    def delete(self, agency_slug: str, slot: MeetingSlot) -> None:
        """Remove a meeting slot."""
        authorize(can_manage_clients(g.actor))
        delete_slot(g.actor, slot)
        commit()


@blp.route("/clients/<int:client_id>/meeting-proposal")
class ProposalResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(MeetingProposalArgs, location="query")
    @blp.response(200, MeetingProposalsOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """Weekly slots where the client's primary VA's hours and the client's business
        hours overlap, those that stay inside both all year (DST) first."""
        cprof = client_profile(client)
        today = today_in(cprof.zone_name)
        va_id = primary_va_id(client.id, today)
        if va_id is None:
            return {"membership_id": None, "items": []}
        items = propose_slots(
            profile(va_id),
            cprof,
            today + dt.timedelta(days=1),
            count=args["count"],
            duration=args["duration_minutes"],
        )
        return {"membership_id": va_id, "items": items}


@blp.route("/workload")
class WorkloadResource(MethodView):
    @roles(*PEOPLE)
    @blp.arguments(WorkloadArgs, location="query")
    @blp.response(200, WorkloadOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Planned minutes (open work items' remaining estimate spread up to their due
        weeks) against capacity, per person and week (1-26 weeks from this week, Monday
        first): everyone's for owners and managers (`member_id` to pick one), one's own
        for everyone else."""
        if g.actor.is_manager:
            people = staff_members()
            if args.get("member_id"):
                people = [m for m in people if m.id == args["member_id"]]
        else:
            people = [g.actor.membership]
        today = today_in(g.actor.agency.time_zone)
        first = today - dt.timedelta(days=today.weekday())
        cells = workload([m.id for m in people], first, args["weeks"])
        weeks = [first + dt.timedelta(days=7 * w) for w in range(args["weeks"])]
        return {
            "items": [
                {
                    "membership_id": m.id,
                    "name": m.user.name,
                    "weeks": [
                        {
                            "week_start": w,
                            "planned_minutes": cells[(m.id, w)].planned,
                            "capacity_minutes": cells[(m.id, w)].capacity,
                            "over_capacity": cells[(m.id, w)].over,
                            "low_buffer": cells[(m.id, w)].low_buffer,
                        }
                        for w in weeks
                    ],
                }
                for m in people
            ]
        }


@blp.route("/strain")
class StrainResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, StrainOut)
    def get(self, agency_slug: str) -> dict:
        """Strain signals of every staff member (owners and managers only): weeks over
        capacity in a row (planned from this week, logged in the past 4 weeks), time logged
        outside working hours in the last 14 days, overdue work items against a week ago.
        `thresholds` are the values from which a signal is raised."""
        authorize(can_decide(g.actor))
        people = staff_members()
        ids = [m.id for m in people]
        today = today_in(g.actor.agency.time_zone)
        first = today - dt.timedelta(days=today.weekday())
        cells, signals = team_load(ids, first, utcnow())
        fields = (
            "weeks_over_ahead",
            "weeks_over_past",
            "over_capacity",
            "outside_minutes",
            "outside_hours",
            "overdue",
            "overdue_week_ago",
            "overdue_piling",
            "overdue_growing",
            "signals",
        )
        return {
            "thresholds": LIMITS,
            "items": [
                {"membership_id": m.id, "name": m.user.name}
                | {f: getattr(signals[m.id], f) for f in fields}
                for m in people
            ],
        }
