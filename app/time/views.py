"""HTML pages of time: My time (the week), the entry form, the timer's buttons and the
JSON the top bar polls, the Time pages of a client and of a work item, and the activities.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.clients.queries import get_client_or_404
from app.core.clock import today_in, utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.time.blueprint import bp, hours, time_bar
from app.time.models import TimeEntry
from app.time.policy import (
    TRACKERS,
    can_change_entry,
    can_enter_for_others,
    can_manage_activities,
)
from app.time.queries import (
    activities,
    entries_query,
    get_activity_or_404,
    get_entry_or_404,
    person_zone,
    running_entry,
    total_seconds,
    trackable_clients,
    trackable_work_items,
    trackers,
    week_of,
)
from app.time.schemas import ActivityIn, EntryIn, TimerStartIn, WeekArgs
from app.time.services import (
    add_activity,
    create_entry,
    delete_entry,
    local_values,
    start_timer,
    stop_timer,
    update_activity,
    update_entry,
)
from app.work.queries import get_work_item_or_404

MAX_LISTED = 200


def _back(default: str) -> str:
    """The local page the form came from (`next`), or `default`."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _form() -> MultiDict:
    """The posted form without `next` (where to go back to, not a field of the entry)."""
    return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "next"])


def _my_time_url(**kw: object) -> str:
    return url_for("time.my_time", agency_slug=g.actor.agency.slug, **kw)


# --- My time ---------------------------------------------------------------------------------


@bp.get("/<agency_slug>/time")
@roles(*TRACKERS)
def my_time(agency_slug: str) -> ResponseReturnValue:
    actor = g.actor
    try:
        args = load_form(WeekArgs(), MultiDict(request.args.items()))
    except ValidationFailed:
        args = {}
    member = actor.membership
    people = trackers(actor) if can_enter_for_others(actor) else []
    if args.get("member") and can_enter_for_others(actor):
        member = next((m for m in people if m.id == args["member"]), member)
    week = week_of(actor, member, args.get("week"))
    return render_template(
        "time/my_time.html",
        week=week,
        member=member,
        zone=person_zone(member),
        people=people,
        running=running_entry(member.id),
        own=member.id == actor.membership.id,
    )


# --- the entry form --------------------------------------------------------------------------


def _form_options(actor: object, current_work_item: int | None) -> dict:
    return {
        "clients": trackable_clients(actor),
        "work_items": trackable_work_items(actor, current_work_item),
        "activity_options": [(a.id, a) for a in activities()],
        "people": trackers(actor) if can_enter_for_others(actor) else [],
    }


def _render_form(entry: TimeEntry | None, values: dict, errors: dict) -> ResponseReturnValue:
    actor = g.actor
    zone = entry.zone if entry else person_zone(actor.membership)
    return render_template(
        "time/entry_form.html",
        entry=entry,
        values=values,
        errors=errors,
        zone=zone,
        **_form_options(actor, entry.work_item_id if entry else None),
    ), (422 if errors else 200)


@bp.route("/<agency_slug>/time/new", methods=["GET", "POST"])
@roles(*TRACKERS)
def new_entry(agency_slug: str) -> ResponseReturnValue:
    actor = g.actor
    zone = person_zone(actor.membership)
    values: dict = {
        "date": request.args.get("date") or today_in(zone).isoformat(),
        "client_id": request.args.get("client_id", type=int),
        "work_item_id": request.args.get("work_item_id", type=int),
        "billable": True,
    }
    errors: dict = {}
    if request.method == "POST":
        values = _form().to_dict()
        values["billable"] = "billable" in request.form
        try:
            data = load_form(EntryIn(), _form())
            entry = create_entry(actor, data)
            commit()
            flash(_("Time entry saved: %(length)s.", length=hours(entry.seconds())), "success")
            return redirect(_back(_my_time_url(week=entry.entry_date.isoformat())))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return _render_form(None, values, errors)


def _entry_values(entry: TimeEntry) -> dict:
    local = local_values(entry)
    return {
        "membership_id": entry.membership_id,
        "client_id": entry.client_id,
        "work_item_id": entry.work_item_id,
        "activity_id": entry.activity_id,
        "billable": entry.billable,
        "notes": entry.notes,
        "date": local["date"].isoformat(),
        "start": local["start"].strftime("%H:%M") if local["start"] else "",
        "end": local["end"].strftime("%H:%M") if local["end"] else "",
        "duration": f"{local['duration'] // 60}:{local['duration'] % 60:02d}"
        if local["duration"] is not None
        else "",
    }


@bp.route("/<agency_slug>/time/<int:entry_id>/edit", methods=["GET", "POST"])
@roles(*TRACKERS)
def edit_entry(agency_slug: str, entry_id: int) -> ResponseReturnValue:
    actor = g.actor
    entry = get_entry_or_404(actor, entry_id)
    _authorize(can_change_entry(actor, entry))
    values = _entry_values(entry)
    errors: dict = {}
    if request.method == "POST":
        values = _form().to_dict()
        values["billable"] = "billable" in request.form
        try:
            data = load_form(EntryIn(), _form())
            for key in ("start", "end", "duration", "work_item_id", "activity_id", "notes"):
                data.setdefault(key, None)
            if entry.running and data.get("end") is None and data.get("duration") is None:
                data.pop("end")
                data.pop("duration")
            update_entry(actor, entry, data)
            commit()
            flash(_("Time entry saved."), "success")
            return redirect(_back(_my_time_url(week=entry.entry_date.isoformat())))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
            entry = get_entry_or_404(actor, entry_id)
    return _render_form(entry, values, errors)


@bp.post("/<agency_slug>/time/<int:entry_id>/delete")
@roles(*TRACKERS)
def remove_entry(agency_slug: str, entry_id: int) -> ResponseReturnValue:
    actor = g.actor
    entry = get_entry_or_404(actor, entry_id)
    _authorize(can_change_entry(actor, entry))
    week = entry.entry_date.isoformat()
    delete_entry(actor, entry)
    commit()
    flash(_("Time entry deleted."), "success")
    return redirect(_back(_my_time_url(week=week)))


# --- the timer -------------------------------------------------------------------------------


def _render_timer_form(values: dict, errors: dict) -> ResponseReturnValue:
    """The whole Start-a-timer form: where the top bar's short form lands when its input is
    refused, and the phone's way to start a timer with a work item, an activity and notes."""
    return render_template(
        "time/timer_form.html",
        values=values,
        errors=errors,
        running=running_entry(g.actor.membership.id),
        **_form_options(g.actor, None),
    ), (422 if errors else 200)


@bp.route("/<agency_slug>/time/timer/start", methods=["GET", "POST"])
@roles(*TRACKERS)
def timer_start(agency_slug: str) -> ResponseReturnValue:
    actor = g.actor
    if request.method == "GET":
        values = {
            "client_id": request.args.get("client_id", type=int),
            "work_item_id": request.args.get("work_item_id", type=int),
            "billable": True,
        }
        return _render_timer_form(values, {})
    values = _form().to_dict()
    try:
        data = load_form(TimerStartIn(), _form())
        if "billable" not in request.form:  # not asked: the client's or SOP's default
            data["billable"] = None
        entry, stopped = start_timer(actor, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_timer_form(values, exc.errors)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_back(_my_time_url()))
    if stopped is not None:
        flash(
            _(
                "Timer stopped for %(old)s (%(length)s) and started for %(client)s.",
                old=stopped.client.name,
                length=hours(stopped.seconds()),
                client=entry.client.name,
            ),
            "success",
        )
    else:
        flash(_("Timer started for %(client)s.", client=entry.client.name), "success")
    return redirect(_back(_my_time_url()))


@bp.post("/<agency_slug>/time/timer/stop")
@roles(*TRACKERS)
def timer_stop(agency_slug: str) -> ResponseReturnValue:
    try:
        entry = stop_timer(g.actor)
        commit()
    except Conflict:
        db.session.rollback()
        flash(_("The timer was already stopped (in another tab or on another device)."), "info")
        return redirect(_back(_my_time_url()))
    flash(_("Timer stopped: %(length)s recorded.", length=hours(entry.seconds())), "success")
    return redirect(_back(_my_time_url()))


@bp.get("/<agency_slug>/time/timer")
@roles(*TRACKERS)
def timer_state(agency_slug: str) -> ResponseReturnValue:
    """What the top bar shows, for its poll: every tab sees a timer started or stopped
    anywhere."""
    bar = time_bar()
    entry = bar["entry"] if bar else None
    now = utcnow()
    return jsonify(
        running=entry is not None,
        entry_id=entry.id if entry else None,
        elapsed_seconds=entry.seconds(now) if entry else None,
        html=render_template("time/_bar.html", bar=bar, next_url=request.args.get("next", "")),
        mini_html=render_template(
            "time/_mini.html", bar=bar, next_url=request.args.get("next", "")
        ),
    )


# --- the Time pages of a client and of a work item -------------------------------------------


def _entries_page(title_object: object, kind: str, entries: list[TimeEntry], **kw: object):
    return render_template(
        "time/entries.html",
        subject=title_object,
        kind=kind,
        entries=entries,
        total=total_seconds(entries),
        billable_total=total_seconds([e for e in entries if e.billable]),
        show_member=g.actor.is_manager,
        **kw,
    )


@bp.get("/<agency_slug>/clients/<int:client_id>/time")
@roles(*TRACKERS)
def client_time(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    stmt = entries_query(g.actor, {"client_id": client.id}).limit(MAX_LISTED)
    entries = list(db.session.scalars(stmt))
    return _entries_page(client, "client", entries, client=client, work_item=None)


@bp.get("/<agency_slug>/work/<int:work_item_id>/time")
@roles(*TRACKERS)
def work_item_time(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
    item = get_work_item_or_404(g.actor, work_item_id)
    stmt = entries_query(g.actor, {"work_item_id": item.id}).limit(MAX_LISTED)
    entries = list(db.session.scalars(stmt))
    return _entries_page(item, "work_item", entries, client=item.client, work_item=item)


# --- activities ------------------------------------------------------------------------------


@bp.route("/<agency_slug>/time/activities", methods=["GET", "POST"])
@roles(*MANAGERS)
def list_activities(agency_slug: str) -> ResponseReturnValue:
    _authorize(can_manage_activities(g.actor))
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            activity = add_activity(g.actor, load_form(ActivityIn(), request.form))
            commit()
            flash(_("Activity %(name)s added.", name=activity.name), "success")
            return redirect(url_for("time.list_activities", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template(
        "time/activities.html",
        items=activities(include_inactive=True),
        values=values,
        errors=errors,
    ), (422 if errors else 200)


@bp.post("/<agency_slug>/time/activities/<int:activity_id>")
@roles(*MANAGERS)
def toggle_activity(agency_slug: str, activity_id: int) -> ResponseReturnValue:
    activity = get_activity_or_404(g.actor, activity_id)
    _authorize(can_manage_activities(g.actor))
    update_activity(g.actor, activity, {"active": not activity.active})
    commit()
    if activity.active:
        flash(_("Activity back in use."), "success")
    else:
        flash(_("Activity retired: old entries keep it, new ones cannot choose it."), "success")
    return redirect(url_for("time.list_activities", agency_slug=agency_slug))
