"""JSON API of time: entries (list with filters, create, read, change, delete), the timer
(current, start, stop) and the activities. The same rules and roles as the pages: a VA's
own time only, owners and managers anyone's; 422 with field errors.

Routes with an id load the object first (`loads`), before the body or query string is
parsed, so another agency's id is a 404 whatever the body holds.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.uow import commit
from app.time.models import TimeEntry
from app.time.policy import TRACKERS, can_change_entry
from app.time.queries import activities, entries_page, get_entry_or_404, running_entry
from app.time.schemas import (
    ActivityOut,
    EntryFilterArgs,
    EntryIn,
    EntryOut,
    EntryPageOut,
    EntryPatchIn,
    TimerOut,
    TimerStartIn,
)
from app.time.services import create_entry, delete_entry, start_timer, stop_timer, update_entry

blp = Blueprint(
    "time_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Time entries, the running timer and activities",
)


@blp.route("/time-entries")
class EntriesResource(MethodView):
    @roles(*TRACKERS)
    @blp.arguments(EntryFilterArgs, location="query")
    @blp.response(200, EntryPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Time entries, newest day first: a VA's own; owners and managers everyone's
        (filter by member). Filters: member, client, work item, date range (days in the
        person's zone)."""
        page = entries_page(g.actor, args)
        return {"items": page.items, "meta": page.meta()}

    @roles(*TRACKERS)
    @blp.arguments(EntryIn)
    @blp.response(201, EntryOut)
    def post(self, data: dict, agency_slug: str) -> TimeEntry:
        """Record time: a date with a start and an end (times of day in the person's zone),
        or a date with a duration. At most 16 hours, nothing after today; an overlap with
        the person's other entries is refused (422 on `confirm_overlap`) unless
        `confirm_overlap` is true. Owners and managers may give `membership_id`."""
        entry = create_entry(g.actor, data)
        commit()
        return entry


@blp.route("/time-entries/<int:entry_id>")
class EntryResource(MethodView):
    @roles(*TRACKERS)
    @loads(get_entry_or_404, "entry_id", "entry")
    @blp.response(200, EntryOut)
    def get(self, agency_slug: str, entry: TimeEntry) -> TimeEntry:
        """One time entry."""
        return entry

    @roles(*TRACKERS)
    @loads(get_entry_or_404, "entry_id", "entry")
    @blp.arguments(EntryPatchIn(partial=True))
    @blp.response(200, EntryOut)
    def patch(self, data: dict, agency_slug: str, entry: TimeEntry) -> TimeEntry:
        """Change some of an entry's fields (the same rules as creating one). A change by
        an owner or manager to someone's entry is in the audit log with before and after."""
        authorize(can_change_entry(g.actor, entry))
        update_entry(g.actor, entry, data)
        commit()
        return entry

    @roles(*TRACKERS)
    @loads(get_entry_or_404, "entry_id", "entry")
    @blp.response(204)
    def delete(self, agency_slug: str, entry: TimeEntry) -> None:
        """Delete an entry (a running timer too)."""
        authorize(can_change_entry(g.actor, entry))
        delete_entry(g.actor, entry)
        commit()


@blp.route("/timer")
class TimerResource(MethodView):
    @roles(*TRACKERS)
    @blp.response(200, TimerOut)
    def get(self, agency_slug: str) -> dict:
        """Your running timer, if any."""
        entry = running_entry(g.actor.membership.id)
        return {"running": entry is not None, "entry": entry, "stopped": None}


@blp.route("/timer/start")
class TimerStart(MethodView):
    @roles(*TRACKERS)
    @blp.arguments(TimerStartIn)
    @blp.response(201, TimerOut)
    def post(self, data: dict, agency_slug: str) -> dict:
        """Start your timer for a client (and a work item of it). A timer already running
        is stopped first and returned as `stopped`."""
        entry, stopped = start_timer(g.actor, data)
        commit()
        return {"running": True, "entry": entry, "stopped": stopped}


@blp.route("/timer/stop")
class TimerStop(MethodView):
    @roles(*TRACKERS)
    @blp.response(200, TimerOut)
    def post(self, agency_slug: str) -> dict:
        """Stop your running timer (409 `no_timer` if none runs). A timer left running over
        16 hours ends 16 hours after its start."""
        entry = stop_timer(g.actor)
        commit()
        return {"running": False, "entry": None, "stopped": entry}


@blp.route("/time-activities")
class ActivitiesResource(MethodView):
    @roles(*TRACKERS)
    @blp.response(200, ActivityOut(many=True))
    def get(self, agency_slug: str) -> list:
        """The agency's activities in use (owners and managers also see retired ones)."""
        return activities(include_inactive=g.actor.role in MANAGERS)
