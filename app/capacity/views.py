"""HTML pages of capacity: My hours & time off (a person's own), Team capacity (owners and
managers: the time off queue, entering time off, everyone's hours and weekly capacity), a
member's hours, and a client's business hours with its meeting slots.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.capacity.blueprint import bp
from app.capacity.intervals import weekly_minutes
from app.capacity.meetings import (
    meeting_occurrences,
    primary_va_id,
    propose_slots,
    slot_va_time,
    slots_of,
)
from app.capacity.policy import PEOPLE, can_decide, can_edit_hours, can_manage_clients
from app.capacity.queries import (
    client_holidays,
    client_profile,
    get_member_or_404,
    get_slot_or_404,
    get_time_off_or_404,
    member_holidays,
    overlap_hours_per_day,
    profile,
    profiles,
    staff_members,
    time_off_query,
    weekly_capacity,
)
from app.capacity.schemas import (
    ClientHoursForm,
    MeetingSlotFormIn,
    MemberHoursForm,
    TimeOffDeclineIn,
    TimeOffIn,
    form_values,
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
from app.capacity.strain_words import strain_badges
from app.capacity.workload import workload
from app.clients.queries import get_client_or_404
from app.core.clock import today_in, utcnow
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.core.formatting import duration_formatter
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db

WEEKS_SHOWN = 8


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _form() -> MultiDict:
    return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "next"])


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weeks(first: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=7 * w) for w in range(WEEKS_SHOWN)]


def _my_page(errors: dict | None = None, values: dict | None = None, which: str | None = None):
    member = g.actor.membership
    prof = profile(member)
    today = today_in(prof.zone_name)
    first = _monday(today)
    weeks = _weeks(first)
    capacity = weekly_capacity([member.id], first, WEEKS_SHOWN)
    hours_values = form_values(prof.schedule, country=prof.country, subdivision=prof.subdivision)
    if which == "hours" and values is not None:
        hours_values = values
    return render_template(
        "capacity/me.html",
        member=member,
        prof=prof,
        weeks=weeks,
        capacity=[capacity[(member.id, w)] for w in weeks],
        holidays=member_holidays(prof, today, today + dt.timedelta(days=365)),
        requests=list(
            db.session.scalars(time_off_query(g.actor, {"member_id": member.id}).limit(50))
        ),
        hours_values=hours_values,
        hours_errors=errors if which == "hours" else {},
        off_values=values if which == "time_off" and values is not None else {"kind": "vacation"},
        off_errors=errors if which == "time_off" else {},
        weekly=weekly_minutes(prof.schedule),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/capacity/me")
@roles(*PEOPLE)
def me(agency_slug: str) -> ResponseReturnValue:
    """My hours & time off: one's week, holidays, capacity of the next weeks, requests."""
    return _my_page()


def _team_page(
    errors: dict | None = None,
    values: dict | None = None,
    which: str | None = None,
    failed_id: int | None = None,
):
    today = today_in(g.actor.agency.time_zone)
    first = _monday(today)
    weeks = _weeks(first)
    people = staff_members()
    profs = profiles(m.id for m in people)
    capacity = weekly_capacity([m.id for m in people], first, WEEKS_SHOWN)
    pending = list(db.session.scalars(time_off_query(g.actor, {"state": "pending"}).limit(200)))
    upcoming = list(
        db.session.scalars(
            time_off_query(g.actor, {"state": "approved", "date_from": today}).limit(100)
        )
    )
    return render_template(
        "capacity/team.html",
        people=people,
        profs=profs,
        weeks=weeks,
        capacity=capacity,
        pending=pending,
        upcoming=upcoming,
        off_values=values if which == "time_off" and values is not None else {"kind": "vacation"},
        off_errors=errors if which == "time_off" else {},
        decline_errors=errors if which == "decline" else {},
        decline_values=values if which == "decline" and values is not None else {},
        failed_id=failed_id,
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/capacity/team")
@roles(*MANAGERS)
def team(agency_slug: str) -> ResponseReturnValue:
    """Team capacity: the time off queue, time off entered for someone, everyone's hours
    and weekly capacity."""
    _authorize(can_decide(g.actor))
    return _team_page()


@bp.route("/<agency_slug>/capacity/members/<int:membership_id>/hours", methods=["GET", "POST"])
@roles(*PEOPLE)
def member_hours(agency_slug: str, membership_id: int) -> ResponseReturnValue:
    """A member's week and holiday country (their own; anyone's for owners and managers)."""
    member = get_member_or_404(g.actor, membership_id)
    editable = can_edit_hours(g.actor, member.id)
    if request.method == "POST":
        _authorize(editable)
    prof = profile(member)
    values = form_values(prof.schedule, country=prof.country, subdivision=prof.subdivision)
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        try:
            save_hours(g.actor, member, load_form(MemberHoursForm(), form))
            commit()
            flash(_("Working hours saved."), "success")
            return redirect(
                _back(
                    url_for(
                        "capacity.member_hours", agency_slug=agency_slug, membership_id=member.id
                    )
                )
            )
        except ValidationFailed as exc:
            db.session.rollback()
            values, errors = form.to_dict(), exc.errors
    return render_template(
        "capacity/member_hours.html",
        member=member,
        editable=editable,
        prof=prof,
        values=values,
        errors=errors,
        weekly=weekly_minutes(prof.schedule),
    ), (422 if errors else 200)


@bp.post("/<agency_slug>/capacity/me/hours")
@roles(*PEOPLE)
def my_hours(agency_slug: str) -> ResponseReturnValue:
    form = _form()
    try:
        save_hours(g.actor, g.actor.membership, load_form(MemberHoursForm(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _my_page(exc.errors, form.to_dict(), "hours")
    flash(_("Working hours saved."), "success")
    return redirect(url_for("capacity.me", agency_slug=agency_slug))


@bp.post("/<agency_slug>/capacity/time-off")
@roles(*PEOPLE)
def request_off(agency_slug: str) -> ResponseReturnValue:
    """Ask for time off (one's own, pending), or enter it for someone (owners and managers:
    approved at once). Back to the page the form is on."""
    form = _form()
    on_team = request.form.get("next") == url_for("capacity.team", agency_slug=agency_slug)
    try:
        row = request_time_off(g.actor, load_form(TimeOffIn(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        if on_team and g.actor.is_manager:
            return _team_page(exc.errors, form.to_dict(), "time_off")
        return _my_page(exc.errors, form.to_dict(), "time_off")
    if row.state == "approved":
        flash(_("Time off entered."), "success")
    else:
        flash(_("Time off requested: a manager will decide."), "success")
    return redirect(_back(url_for("capacity.me", agency_slug=agency_slug)))


@bp.post("/<agency_slug>/capacity/time-off/<int:time_off_id>/approve")
@roles(*MANAGERS)
def approve(agency_slug: str, time_off_id: int) -> ResponseReturnValue:
    row = get_time_off_or_404(g.actor, time_off_id)
    _authorize(can_decide(g.actor))
    try:
        approve_time_off(g.actor, row)
        commit()
        flash(_("Time off of %(name)s approved.", name=row.member.user.name), "success")
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    return redirect(_back(url_for("capacity.team", agency_slug=agency_slug)))


@bp.post("/<agency_slug>/capacity/time-off/<int:time_off_id>/decline")
@roles(*MANAGERS)
def decline(agency_slug: str, time_off_id: int) -> ResponseReturnValue:
    row = get_time_off_or_404(g.actor, time_off_id)
    _authorize(can_decide(g.actor))
    form = _form()
    try:
        data = load_form(TimeOffDeclineIn(), form)
        decline_time_off(g.actor, row, data.get("reason"))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _team_page(exc.errors, form.to_dict(), "decline", time_off_id)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_back(url_for("capacity.team", agency_slug=agency_slug)))
    flash(_("Time off of %(name)s declined.", name=row.member.user.name), "success")
    return redirect(_back(url_for("capacity.team", agency_slug=agency_slug)))


@bp.post("/<agency_slug>/capacity/time-off/<int:time_off_id>/cancel")
@roles(*PEOPLE)
def cancel(agency_slug: str, time_off_id: int) -> ResponseReturnValue:
    row = get_time_off_or_404(g.actor, time_off_id)
    try:
        cancel_time_off(g.actor, row)
        commit()
        flash(_("Time off cancelled."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    return redirect(_back(url_for("capacity.me", agency_slug=agency_slug)))


def _client_page(
    client, errors: dict | None = None, values: dict | None = None, which: str | None = None
):
    cprof = client_profile(client)
    today = today_in(cprof.zone_name)
    va_id = primary_va_id(client.id, today)
    proposals, overlap, va_prof = [], None, None
    if va_id is not None:
        va_prof = profile(va_id)
        proposals = propose_slots(va_prof, cprof, today + dt.timedelta(days=1))
        overlap = overlap_hours_per_day(va_id, client.id, today)
    slots = slots_of(client.id)
    slot_profs = profiles(s.membership_id for s in slots)
    va_times = {
        s.id: slot_va_time(s.weekday, s.start_minute, cprof, slot_profs[s.membership_id], today)
        for s in slots
        if s.membership_id in slot_profs
    }
    start = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    occurrences = meeting_occurrences(start, start + dt.timedelta(weeks=8), client_ids=[client.id])
    return render_template(
        "capacity/client_hours.html",
        client=client,
        cprof=cprof,
        values=values if which == "hours" and values is not None else form_values(cprof.schedule),
        errors=errors if which == "hours" else {},
        slot_values=values
        if which == "slot" and values is not None
        else {"membership_id": va_id, "duration_minutes": 30, "weekday": 0},
        slot_errors=errors if which == "slot" else {},
        va_prof=va_prof,
        va_id=va_id,
        proposals=proposals,
        overlap=overlap,
        slots=slots,
        slot_profs=slot_profs,
        va_times=va_times,
        occurrences=occurrences,
        people=staff_members(),
        holidays=client_holidays(cprof, today, today + dt.timedelta(days=365)),
    ), (422 if errors else 200)


@bp.route("/<agency_slug>/capacity/clients/<int:client_id>/hours", methods=["GET", "POST"])
@roles(*MANAGERS)
def client_hours(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """A client's business hours, holidays and meeting slots (owners and managers)."""
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_manage_clients(g.actor))
    if request.method == "POST":
        form = _form()
        try:
            save_client_hours(g.actor, client, load_form(ClientHoursForm(), form))
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _client_page(client, exc.errors, form.to_dict(), "hours")
        flash(_("Business hours saved."), "success")
        return redirect(
            url_for("capacity.client_hours", agency_slug=agency_slug, client_id=client.id)
        )
    return _client_page(client)


@bp.post("/<agency_slug>/capacity/clients/<int:client_id>/meeting-slots")
@roles(*MANAGERS)
def add_slot(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_manage_clients(g.actor))
    form = _form()
    try:
        create_slot(g.actor, client, load_form(MeetingSlotFormIn(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _client_page(client, exc.errors, form.to_dict(), "slot")
    flash(_("Meeting slot saved."), "success")
    return redirect(url_for("capacity.client_hours", agency_slug=agency_slug, client_id=client.id))


@bp.post("/<agency_slug>/capacity/meeting-slots/<int:slot_id>/delete")
@roles(*MANAGERS)
def remove_slot(agency_slug: str, slot_id: int) -> ResponseReturnValue:
    slot = get_slot_or_404(g.actor, slot_id)
    _authorize(can_manage_clients(g.actor))
    client_id = slot.client_id
    delete_slot(g.actor, slot)
    commit()
    flash(_("Meeting slot removed."), "success")
    return redirect(url_for("capacity.client_hours", agency_slug=agency_slug, client_id=client_id))


def _workload_page(people: list, personal: bool) -> ResponseReturnValue:
    today = today_in(g.actor.agency.time_zone)
    first = _monday(today)
    weeks = _weeks(first)
    ids = [m.id for m in people]
    # Strain signals are for owners and managers, never on one's own view.
    if personal:
        cells, signals = workload(ids, first, WEEKS_SHOWN), {}
    else:
        cells, signals = team_load(ids, first, utcnow(), WEEKS_SHOWN)
    dur = duration_formatter()
    return render_template(
        "capacity/workload.html",
        people=people,
        weeks=weeks,
        rows=_heat_rows(people, weeks, cells, personal, dur),
        personal=personal,
        strain=strain_badges(signals, dur),
        strain_limits=LIMITS,
    )


def _heat_rows(
    people: list, weeks: list[dt.date], cells: dict, personal: bool, dur: Callable[..., str]
) -> list:
    """Each person with their week cells as (planner link or "", colour, test id, "planned
    / capacity"); empty strings where there is no cell. Worked out here once per page: the
    planner's URL but for the person and the week, each duration written once (`dur`)."""
    plannable_roles = ("owner", "manager", "va")
    can_plan = "planner.member_planner" in current_app.view_functions and (
        not personal or g.actor.role in plannable_roles
    )
    person, week = "2147483647", "1999-12-27"
    pattern = ""
    if can_plan:
        pattern = url_for(
            "planner.member_planner",
            agency_slug=g.actor.agency.slug,
            membership_id=person,
            week=week,
        )
    dates = [w.isoformat() for w in weeks]
    rows = []
    for m in people:
        mine = pattern.replace(person, str(m.id)) if can_plan and m.role in plannable_roles else ""
        row = []
        for w, day in zip(weeks, dates, strict=True):
            c = cells.get((m.id, w))
            if c is None:
                row.append(("", "", "", ""))
                continue
            tone, testid = c.tone
            text = f"{dur(c.planned)} / {dur(c.capacity)}"
            row.append((mine.replace(week, day) if mine else "", tone, testid, text))
        rows.append((m, row))
    return rows


@bp.get("/<agency_slug>/capacity/workload")
@roles(*MANAGERS)
def team_workload(agency_slug: str) -> ResponseReturnValue:
    """Workload: planned hours against capacity, person by week, with the flags."""
    _authorize(can_decide(g.actor))
    return _workload_page(staff_members(), personal=False)


@bp.get("/<agency_slug>/capacity/my-workload")
@roles(*PEOPLE)
def my_workload(agency_slug: str) -> ResponseReturnValue:
    """One's own planned hours against capacity for the next weeks."""
    return _workload_page([g.actor.membership], personal=True)
