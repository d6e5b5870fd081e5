"""Write side of time: entries, the running timer and activities.

Services take the actor explicitly, flush but never commit, and record an audit event with
before and after for every change (so an owner's fix of a VA's entry is on the record).

Rules of an entry: a client the actor may see (required); a work item, if any, of that
client; an activity of the agency's list; at most 16 hours; nothing ending after today in
the person's zone; the end after the start. Times are typed in the person's zone and stored
as UTC instants, so an entry across a daylight-saving change has its true length; a time
the clocks skipped is refused. Overlapping the person's other entries is a warning the
caller confirms (`confirm_overlap`), not a refusal.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit.services import changed, record, snapshot
from app.clients.models import Client
from app.clients.queries import visible_clients
from app.core.clock import today_in, utcnow
from app.core.errors import CodedMessage, Conflict, ValidationFailed
from app.core.formatting import localise_digits, reader_locale
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.extensions import db
from app.time.models import Activity, TimeEntry
from app.time.policy import TRACKERS, can_enter_for_others, entry_lock
from app.time.queries import person_zone, running_entry
from app.users.models import Membership
from app.work.models import WorkItem
from app.work.queries import visible_work_items

MAX_SECONDS = 16 * 3600
ENTRY_FIELDS = (
    "membership_id",
    "client_id",
    "work_item_id",
    "activity_id",
    "billable",
    "notes",
    "entry_date",
    "started_at",
    "ended_at",
    "duration_seconds",
    "zone",
)
TIME_KEYS = ("date", "start", "end", "duration")

# Checks of the week an entry is in, registered by the packages that lock weeks (app.timesheets):
# each is called as guard(actor, membership_id, day, adding=...) and raises ValidationFailed
# (on `date`) or Conflict when the actor may not add or change time on that day.
ENTRY_GUARDS: list[Callable[..., None]] = []


def _guard(actor: Actor, membership_id: int, day: dt.date, *, adding: bool) -> None:
    for guard in ENTRY_GUARDS:
        guard(actor, membership_id, day, adding=adding)


def clock_text(value: dt.datetime, zone: str) -> str:
    """A time of day in `zone` ("09:30"), in the reader's digits."""
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return localise_digits(local.strftime("%H:%M"), reader_locale())


# --- references ------------------------------------------------------------------------------


def _member(actor: Actor, membership_id: int | None, errors: dict) -> Membership | None:
    """Whose time: one's own, or (owners and managers) any active member who records time."""
    if membership_id is None or membership_id == actor.membership.id:
        return actor.membership
    if not can_enter_for_others(actor):
        errors["membership_id"] = [_("You can only record your own time.")]
        return None
    member = db.session.scalar(
        sa.select(Membership).where(
            Membership.id == membership_id,
            Membership.role.in_(TRACKERS),
            Membership.status == "active",
        )
    )
    if member is None:
        errors["membership_id"] = [_("Does not exist.")]
    return member


def _references(actor: Actor, data: dict, errors: dict, current: TimeEntry | None = None) -> None:
    """Check the client, work item and activity ids of `data` (missing ones: `current`'s)."""
    client_id = data.get("client_id", current.client_id if current else None)
    client = None
    if client_id is not None and "client_id" in data:
        client = db.session.scalar(visible_clients(actor).where(Client.id == client_id))
        if client is None:
            errors["client_id"] = [_("Does not exist.")]
        elif client.is_archived and (current is None or current.client_id != client_id):
            errors["client_id"] = [_("This client is archived.")]
    work_item_id = data.get("work_item_id", current.work_item_id if current else None)
    if work_item_id is not None and ("work_item_id" in data or "client_id" in data):
        item = db.session.scalar(visible_work_items(actor).where(WorkItem.id == work_item_id))
        if item is None:
            errors["work_item_id"] = [_("Does not exist.")]
        elif client_id is not None and item.client_id != client_id and "client_id" not in errors:
            errors["work_item_id"] = [
                _("This work item belongs to another client: choose one of this client's.")
            ]
    activity_id = data.get("activity_id")
    if activity_id is not None:
        activity = db.session.scalar(sa.select(Activity).where(Activity.id == activity_id))
        if activity is None:
            errors["activity_id"] = [_("Does not exist.")]
        elif not activity.active and (current is None or current.activity_id != activity_id):
            errors["activity_id"] = [_("This activity is no longer in use.")]


# --- times -----------------------------------------------------------------------------------


def _instant(day: dt.date, at: dt.time, zone: str, field: str, errors: dict) -> dt.datetime | None:
    """The UTC instant of a wall-clock time in `zone`; a time the clocks skipped is refused
    (an hour repeated when clocks go back is its first occurrence)."""
    tz = zoneinfo.ZoneInfo(zone)
    local = dt.datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=tz)
    as_utc = local.astimezone(dt.UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        errors[field] = [_("This time does not exist on that day: the clocks moved forward.")]
        return None
    return as_utc


def local_values(entry: TimeEntry) -> dict:
    """An entry's date, start, end and duration as the form and the rules read them."""
    out: dict = {"date": entry.entry_date, "start": None, "end": None, "duration": None}
    if entry.started_at is not None:
        out["start"] = entry.started_at.astimezone(zoneinfo.ZoneInfo(entry.zone)).time()
        if entry.ended_at is not None:
            out["end"] = entry.ended_at.astimezone(zoneinfo.ZoneInfo(entry.zone)).time()
    else:
        out["duration"] = (entry.duration_seconds or 0) // 60
    return out


def _times(values: dict, zone: str, errors: dict, *, may_run: bool = False) -> dict:
    """The stored times of an entry from its date and start/end (or duration) in `zone`."""
    now = utcnow()
    day: dt.date | None = values.get("date")
    start, end, minutes = values.get("start"), values.get("end"), values.get("duration")
    if day is None:
        errors.setdefault("date", [_("Give the day.")])
        return {}
    if day > today_in(zone, now):
        errors["date"] = [_("This day is in the future: time can be entered up to today.")]
        return {}
    if minutes is not None and (start is not None or end is not None):
        errors["duration"] = [_("Give a start and an end, or a duration, not both.")]
        return {}
    if minutes is not None:
        if minutes * 60 > MAX_SECONDS:
            errors["duration"] = [_("An entry cannot be longer than 16 hours.")]
            return {}
        return {
            "entry_date": day,
            "started_at": None,
            "ended_at": None,
            "duration_seconds": minutes * 60,
        }
    if start is None:
        errors["start"] = [_("Give a start and an end, or a duration.")]
        return {}
    started = _instant(day, start, zone, "start", errors)
    if end is None:
        if not may_run:
            errors["end"] = [_("Give the end time (or a duration instead).")]
            return {}
        if started is not None and started > now:
            errors["start"] = [_("A running timer cannot start in the future.")]
        if errors:
            return {}
        return {
            "entry_date": day,
            "started_at": started,
            "ended_at": None,
            "duration_seconds": None,
        }
    ended = _instant(day, end, zone, "end", errors)
    if started is None or ended is None:
        return {}
    seconds = int((ended - started).total_seconds())
    if seconds <= 0:
        # An end before the start is the next morning when that makes a possible entry (an
        # overnight shift, 22:00 to 02:00); otherwise a mistake.
        next_day = _instant(day + dt.timedelta(days=1), end, zone, "end", errors)
        if next_day is None or (next_day - started).total_seconds() > MAX_SECONDS:
            errors.pop("end", None)
            errors["end"] = [_("The end is before the start: give an end after the start.")]
            return {}
        if next_day > now:
            errors["end"] = [_("This end is in the future: time can be entered up to now.")]
            return {}
        ended, seconds = next_day, int((next_day - started).total_seconds())
    if seconds > MAX_SECONDS:
        errors["end"] = [_("An entry cannot be longer than 16 hours.")]
        return {}
    return {
        "entry_date": day,
        "started_at": started,
        "ended_at": ended,
        "duration_seconds": seconds,
    }


def overlapping(
    membership_id: int, start: dt.datetime, end: dt.datetime, exclude_id: int | None = None
) -> list[TimeEntry]:
    """The member's entries with times that overlap [start, end) (a running timer: up to now)."""
    stmt = sa.select(TimeEntry).where(
        TimeEntry.membership_id == membership_id,
        TimeEntry.started_at.is_not(None),
        TimeEntry.started_at < end,
        sa.or_(TimeEntry.ended_at > start, TimeEntry.ended_at.is_(None)),
    )
    if exclude_id is not None:
        stmt = stmt.where(TimeEntry.id != exclude_id)
    found = list(db.session.scalars(stmt.order_by(TimeEntry.started_at)))
    now = utcnow()
    return [e for e in found if e.ended_at is not None or now > start]


def _span(entry: TimeEntry) -> str:
    assert entry.started_at is not None
    end = clock_text(entry.ended_at, entry.zone) if entry.ended_at else "…"
    return f"{clock_text(entry.started_at, entry.zone)}–{end} ({entry.client.name})"


def _check_overlap(times: dict, membership_id: int, data: dict, errors: dict, own: int | None):
    if errors or data.get("confirm_overlap") or times.get("started_at") is None:
        return
    end = times.get("ended_at") or utcnow()
    others = overlapping(membership_id, times["started_at"], end, own)
    if not others:
        return
    spans = ", ".join(_span(e) for e in others[:3])
    text = ngettext(
        "This overlaps another entry of the same person (%(spans)s). Check the times, or "
        "confirm to save it anyway.",
        "This overlaps %(num)d other entries of the same person (%(spans)s). Check the "
        "times, or confirm to save it anyway.",
        len(others),
        spans=spans,
    )
    errors["confirm_overlap"] = [CodedMessage(text, "overlap")]


# --- entries ---------------------------------------------------------------------------------


def create_entry(actor: Actor, data: dict) -> TimeEntry:
    errors: dict = {}
    member = _member(actor, data.get("membership_id"), errors)
    _references(actor, data, errors)
    zone = person_zone(member) if member is not None else "UTC"
    times = _times(data, zone, errors)
    if member is not None:
        _check_overlap(times, member.id, data, errors, None)
    if errors:
        raise ValidationFailed(errors)
    assert member is not None
    _guard(actor, member.id, times["entry_date"], adding=True)
    billable = data.get("billable")
    entry = TimeEntry(
        membership_id=member.id,
        client_id=data["client_id"],
        work_item_id=data.get("work_item_id"),
        activity_id=data.get("activity_id"),
        # No client or SOP setting for it yet: time is billable unless said otherwise.
        billable=True if billable is None else billable,
        notes=data.get("notes") or None,
        zone=zone,
        created_by_id=actor.user_id,
        **times,
    )
    db.session.add(entry)
    db.session.flush()
    _record(actor, "time_entry.created", entry, after=snapshot(entry, ENTRY_FIELDS))
    return entry


def ensure_unlocked(entry: TimeEntry) -> None:
    """409 when the entry is approved or billed (see `entry_lock`)."""
    lock = entry_lock(entry)
    if lock == "billed":
        raise Conflict(
            _("This time is billed: correct it with a credit note and a new entry."),
            code="time_billed",
        )
    if lock == "approved":
        raise Conflict(
            _("This time is approved: its timesheet must be reopened to change it."),
            code="time_approved",
        )


def update_entry(actor: Actor, entry: TimeEntry, data: dict) -> TimeEntry:
    ensure_unlocked(entry)
    _guard(actor, entry.membership_id, entry.entry_date, adding=False)
    errors: dict = {}
    if "membership_id" in data and data["membership_id"] is not None:
        if data["membership_id"] != entry.membership_id:
            member = _member(actor, data["membership_id"], errors)
        else:
            member = entry.member
    else:
        member = entry.member
    _references(actor, data, errors, entry)
    before = snapshot(entry, ENTRY_FIELDS)
    times: dict = {}
    moved = member is not None and member.id != entry.membership_id
    if any(k in data for k in TIME_KEYS) or moved:
        values = local_values(entry)
        values.update({k: data[k] for k in TIME_KEYS if k in data})
        if data.get("duration") is not None and "start" not in data:
            values["start"] = values["end"] = None
        elif data.get("start") is not None and "duration" not in data:
            values["duration"] = None
        zone = person_zone(member) if moved and member is not None else entry.zone
        times = _times(values, zone, errors, may_run=entry.running)
        if member is not None:
            _check_overlap(times, member.id, data, errors, entry.id)
        times["zone"] = zone
    if errors:
        raise ValidationFailed(errors)
    assert member is not None
    new_day = times.get("entry_date", entry.entry_date)
    if member.id != entry.membership_id or new_day != entry.entry_date:
        _guard(actor, member.id, new_day, adding=True)
    entry.membership_id = member.id
    for key in ("client_id", "work_item_id", "activity_id", "notes"):
        if key in data:
            setattr(entry, key, data[key] if key != "notes" else (data[key] or None))
    if data.get("billable") is not None:
        entry.billable = data["billable"]
    for key, value in times.items():
        setattr(entry, key, value)
    b, a = changed(before, snapshot(entry, ENTRY_FIELDS))
    if a:
        entry.updated_at = utcnow()
        db.session.flush()
        _record(actor, "time_entry.updated", entry, before=b, after=a)
    return entry


def delete_entry(actor: Actor, entry: TimeEntry) -> None:
    ensure_unlocked(entry)
    _guard(actor, entry.membership_id, entry.entry_date, adding=False)
    before = snapshot(entry, ENTRY_FIELDS)
    _record(actor, "time_entry.deleted", entry, before=before)
    db.session.delete(entry)
    db.session.flush()


def _record(actor: Actor, action: str, entry: TimeEntry, **kw: dict) -> None:
    whose = "own" if entry.membership_id == actor.membership.id else "another member's"
    summary = f"Time entry {entry.id} ({whose}, membership {entry.membership_id}): {action}"
    record(actor, action, entry, summary=summary, **kw)


# --- the timer -------------------------------------------------------------------------------


def stop_timer(actor: Actor, entry: TimeEntry | None = None) -> TimeEntry:
    """Stop the actor's running timer (409 if none runs: it may have been stopped in another
    tab). A timer left running for more than 16 hours ends 16 hours after its start."""
    entry = entry or running_entry(actor.membership.id)
    if entry is None:
        raise Conflict(_("No timer is running."), code="no_timer")
    assert entry.started_at is not None
    end = min(utcnow(), entry.started_at + dt.timedelta(seconds=MAX_SECONDS))
    before = snapshot(entry, ENTRY_FIELDS)
    entry.ended_at = end
    entry.duration_seconds = int((end - entry.started_at).total_seconds())
    entry.updated_at = utcnow()
    db.session.flush()
    b, a = changed(before, snapshot(entry, ENTRY_FIELDS))
    _record(actor, "time_entry.timer_stopped", entry, before=b, after=a)
    return entry


def start_timer(actor: Actor, data: dict) -> tuple[TimeEntry, TimeEntry | None]:
    """Start the actor's timer for a client (and a work item). A timer already running is
    stopped first: one person, one running timer. Returns (the new one, the stopped one)."""
    errors: dict = {}
    _references(actor, data, errors)
    if errors:
        raise ValidationFailed(errors)
    zone = person_zone(actor.membership)
    _guard(actor, actor.membership.id, today_in(zone), adding=True)
    stopped = None
    current = running_entry(actor.membership.id)
    if current is not None:
        stopped = stop_timer(actor, current)
    now = utcnow()
    billable = data.get("billable")
    entry = TimeEntry(
        membership_id=actor.membership.id,
        client_id=data["client_id"],
        work_item_id=data.get("work_item_id"),
        activity_id=data.get("activity_id"),
        billable=True if billable is None else billable,
        notes=data.get("notes") or None,
        zone=zone,
        entry_date=today_in(zone, now),
        started_at=now,
        created_by_id=actor.user_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError as exc:  # another tab started one at the same moment
        raise Conflict(
            _("A timer is already running: stop it first."), code="timer_running"
        ) from exc
    _record(actor, "time_entry.timer_started", entry, after=snapshot(entry, ENTRY_FIELDS))
    return entry, stopped


# --- activities ------------------------------------------------------------------------------


def _name_taken(name: str, own_id: int | None = None) -> bool:
    stmt = sa.select(Activity.id).where(sa.func.lower(Activity.name) == name.lower())
    if own_id is not None:
        stmt = stmt.where(Activity.id != own_id)
    return db.session.scalar(stmt) is not None


def add_activity(actor: Actor, data: dict) -> Activity:
    if _name_taken(data["name"]):
        raise ValidationFailed({"name": [_("There is already an activity with this name.")]})
    activity = Activity(name=data["name"], active=data.get("active", True))
    db.session.add(activity)
    db.session.flush()
    record(
        actor,
        "time_activity.created",
        activity,
        summary=f"Activity {activity.name} added",
        after=snapshot(activity, ("name", "active")),
    )
    return activity


def update_activity(actor: Actor, activity: Activity, data: dict) -> Activity:
    if "name" in data and _name_taken(data["name"], activity.id):
        raise ValidationFailed({"name": [_("There is already an activity with this name.")]})
    before = snapshot(activity, ("name", "active"))
    for key in ("name", "active"):
        if key in data:
            setattr(activity, key, data[key])
    b, a = changed(before, snapshot(activity, ("name", "active")))
    if a:
        db.session.flush()
        record(
            actor,
            "time_activity.updated",
            activity,
            summary=f"Activity {activity.name}",
            before=b,
            after=a,
        )
    return activity
