"""JSON API of the calendar: the events of a range (at most 62 days) with the page's
filters, and the caller's own iCalendar feed (status, regenerate, revoke). The same rules
as the page: staff only (client contacts 403), each source showing what the caller may see.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.calendar.grid import local_midnight
from app.calendar.policy import CALENDAR_ROLES
from app.calendar.registry import collect_events
from app.calendar.schemas import (
    MAX_RANGE_DAYS,
    CalendarEventsArgs,
    CalendarEventsOut,
    CalendarFeedStatusOut,
)
from app.calendar.services import checked_filters, feed_status, regenerate_feed, revoke_feed
from app.core.clock import today_in
from app.core.errors import ValidationFailed
from app.core.permissions import roles
from app.core.translation import gettext as _
from app.core.uow import commit

DEFAULT_DAYS = 30

blp = Blueprint(
    "calendar_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="The master calendar: deadlines of every kind, and your iCalendar feed",
)


def _zone() -> str:
    return getattr(g.actor.user, "time_zone", None) or "UTC"


@blp.route("/calendar/events")
class EventsResource(MethodView):
    @roles(*CALENDAR_ROLES)
    @blp.arguments(CalendarEventsArgs, location="query")
    @blp.response(200, CalendarEventsOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Events from `start` to `end` (days in the caller's zone, both included, at most
        62 days; by default today and the 30 days after), in time order. Filters: client,
        member (owners and managers; others only themselves), kind. 422 names the field
        of a bad value."""
        filters = checked_filters(g.actor, args)
        zone = _zone()
        first = args.get("start") or today_in(zone)
        last = args.get("end") or first + dt.timedelta(days=DEFAULT_DAYS)
        if last < first or (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ValidationFailed(
                {"end": [_("The range may cover at most 62 days, from its start.")]}
            )
        start = local_midnight(first, zone)
        end = local_midnight(last + dt.timedelta(days=1), zone)
        events = [
            e
            for e in collect_events(g.actor, start, end, filters)
            if e.all_day is None or first <= e.all_day <= last
        ]
        return {"zone": zone, "start": start, "end": end, "events": events}


def _status(url: str | None = None) -> dict:
    status = feed_status(g.actor)
    status["url"] = url
    return status


@blp.route("/calendar/feed")
class FeedResource(MethodView):
    @roles(*CALENDAR_ROLES)
    @blp.response(200, CalendarFeedStatusOut)
    def get(self, agency_slug: str) -> dict:
        """Whether your feed URL works, when it was made and last read (never the URL)."""
        return _status()

    @roles(*CALENDAR_ROLES)
    @blp.response(201, CalendarFeedStatusOut)
    def post(self, agency_slug: str) -> dict:
        """A new secret feed URL (returned once in `url`); the old one stops working."""
        _feed, raw = regenerate_feed(g.actor)
        commit()
        return _status(
            current_app.config["BASE_URL"].rstrip("/") + url_for("calendar.feed", token=raw)
        )

    @roles(*CALENDAR_ROLES)
    @blp.response(204)
    def delete(self, agency_slug: str) -> None:
        """Revoke your feed URL at once (204 also when there was none)."""
        if revoke_feed(g.actor):
            commit()
