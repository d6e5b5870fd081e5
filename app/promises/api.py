"""JSON API of the response-time promise (owners and managers): the open clocks, and the
monthly figures (median business hours to answer, breaches) of a client or of a VA over the
last six months. Routes with an id load the object first: another agency's id is a 404."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.capacity.schemas import WorkingHoursIn, days_schedule, schedule_days
from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.clock import today_in, utcnow
from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.uow import commit
from app.promises.hours import current_week, save_agency_hours
from app.promises.models import ResponseClock
from app.promises.policy import can_edit_agency_hours, can_see_promises
from app.promises.queries import MonthFigure, get_va_or_404, monthly_figures, open_clocks
from app.promises.schemas import AgencyHoursOut, PromiseFiguresOut, ResponseClocksOut
from app.promises.services import business_week, used_seconds
from app.users.models import Membership

blp = Blueprint(
    "promises_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Response-time promise: open clocks and figures per client and per VA",
)


def _months(figures: list[MonthFigure]) -> list[dict]:
    return [
        {
            "month": f"{f.month.year:04d}-{f.month.month:02d}",
            "answered": f.answered,
            "median_hours": f.median_hours,
            "breaches": f.breaches,
        }
        for f in figures
    ]


def _clock_out(clock: ResponseClock, used: int) -> dict:
    return {
        "id": clock.id,
        "client_id": clock.client_id,
        "va_membership_id": clock.va_membership_id,
        "thread_kind": clock.thread_kind,
        "thread_id": clock.thread_id,
        "source_kind": clock.source_kind,
        "source_id": clock.source_id,
        "state": clock.state,
        "received_at": clock.received_at,
        "promised_hours": clock.promised_seconds // 3600,
        "used_business_seconds": used,
        "due_at": clock.due_at,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
    }


@blp.route("/promises/clocks")
class ClocksResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, ResponseClocksOut)
    def get(self, agency_slug: str) -> dict:
        """Running and paused clocks, the earliest due first, with business time used."""
        authorize(can_see_promises(g.actor))
        now = utcnow()
        week = business_week(g.actor.agency_id)
        return {"items": [_clock_out(c, used_seconds(c, now, week)) for c in open_clocks(g.actor)]}


@blp.route("/promises/clients/<int:client_id>/figures")
class ClientFiguresResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, PromiseFiguresOut)
    def get(self, agency_slug: str, client: Client) -> dict:
        """The client's last six months: answered, median business hours, breaches."""
        authorize(can_see_promises(g.actor))
        zone = g.actor.agency.time_zone or "UTC"
        figures = monthly_figures(zone, today_in(zone), client_id=client.id)
        return {
            "client_id": client.id,
            "va_membership_id": None,
            "promised_hours": client.response_time_hours,
            "months": _months(figures),
        }


@blp.route("/promises/vas/<int:membership_id>/figures")
class VaFiguresResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_va_or_404, "membership_id", "member")
    @blp.response(200, PromiseFiguresOut)
    def get(self, agency_slug: str, member: Membership) -> dict:
        """A VA's last six months, over the messages of clients they were primary VA of."""
        authorize(can_see_promises(g.actor))
        zone = g.actor.agency.time_zone or "UTC"
        figures = monthly_figures(zone, today_in(zone), va_membership_id=member.id)
        return {
            "client_id": None,
            "va_membership_id": member.id,
            "promised_hours": None,
            "months": _months(figures),
        }


def _hours_out() -> dict:
    schedule, country, subdivision, saved = current_week()
    return {
        "time_zone": g.actor.agency.time_zone or "UTC",
        "days": schedule_days(schedule),
        "country": country,
        "subdivision": subdivision,
        "custom": saved,
    }


@blp.route("/promises/business-hours")
class AgencyHoursResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, AgencyHoursOut)
    def get(self, agency_slug: str) -> dict:
        """The business week and holiday country that response clocks count in."""
        authorize(can_see_promises(g.actor))
        return _hours_out()

    @roles("owner")
    @blp.arguments(WorkingHoursIn)
    @blp.response(200, AgencyHoursOut)
    def put(self, data: dict, agency_slug: str) -> dict:
        """Owners: replace the week (up to two intervals a day; a day left out is off) and
        the country (and subdivision) of public holidays."""
        authorize(can_edit_agency_hours(g.actor))
        save_agency_hours(g.actor, {**data, "schedule": days_schedule(data["days"])})
        commit()
        return _hours_out()
