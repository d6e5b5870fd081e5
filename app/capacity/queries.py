"""Read side of capacity: whose hours, time off, holidays, and the capacity engine.

Bulk by design: `profiles()` reads every asked member's zone, hours and holiday country in
one statement and `approved_time_off()` their time off in one more; the rest is arithmetic
in app.capacity.intervals (DST-correct through zoneinfo) and the in-process holiday cache.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.capacity.holidays_cache import holidays_between, is_holiday
from app.capacity.intervals import (
    DEFAULT_SCHEDULE,
    Interval,
    Schedule,
    as_schedule,
    day_intervals_utc,
    intersect,
    normalize,
    schedule_intervals_utc,
    total_minutes,
    zone_of,
)
from app.capacity.models import ClientHours, MeetingSlot, TimeOff, WorkingHours
from app.capacity.policy import PEOPLE, can_see_member
from app.clients.models import Client
from app.core.db import among
from app.core.permissions import Actor, authorize
from app.extensions import db
from app.users.models import Membership, User

MAX_WEEKS = 26


@dataclass(frozen=True)
class Profile:
    """What the capacity of one member is computed from."""

    membership_id: int
    name: str
    zone_name: str
    schedule: Schedule
    country: str | None
    subdivision: str | None
    custom: bool  # hours saved (False: the default week)

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.zone_name)


@dataclass(frozen=True)
class ClientProfile:
    client_id: int
    zone_name: str
    schedule: Schedule
    country: str | None
    custom: bool

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.zone_name)


def staff_members() -> list[Membership]:
    """Active members who have working hours, by name."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.role.in_(PEOPLE), Membership.status == "active")
            .order_by(sa.func.lower(User.name), Membership.id)
        )
    )


def get_member_or_404(actor: Actor, membership_id: int) -> Membership:
    """A staff member of the agency: every staff member reads the team's hours, capacity
    and holidays (who works when); changing them is checked by the caller."""
    member = db.session.scalar(
        sa.select(Membership).where(Membership.id == membership_id, Membership.role.in_(PEOPLE))
    )
    if member is None or actor.role not in PEOPLE:
        raise NotFound()
    return member


def get_editable_member_or_404(actor: Actor, membership_id: int) -> Membership:
    """A staff member whose hours the actor may change (403 when not theirs to change)."""
    member = get_member_or_404(actor, membership_id)
    authorize(can_see_member(actor, member.id))
    return member


def get_time_off_or_404(actor: Actor, time_off_id: int) -> TimeOff:
    row = db.session.get(TimeOff, time_off_id)
    if row is None or not can_see_member(actor, row.membership_id):
        raise NotFound()
    return row


def get_slot_or_404(actor: Actor, slot_id: int) -> MeetingSlot:
    row = db.session.get(MeetingSlot, slot_id)
    if row is None or not actor.is_manager:
        raise NotFound()
    return row


def profiles(member_ids: Iterable[int]) -> dict[int, Profile]:
    """Zone, hours and holiday country of each member, in one statement."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Membership.id,
            User.name,
            User.time_zone,
            WorkingHours.schedule,
            WorkingHours.country,
            WorkingHours.subdivision,
            WorkingHours.id,
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(WorkingHours, WorkingHours.membership_id == Membership.id)
        .where(among(Membership.id, ids))
    )
    return {
        mid: Profile(
            mid,
            name,
            zone or "UTC",
            as_schedule(schedule) if hours_id else DEFAULT_SCHEDULE,
            country,
            subdivision,
            hours_id is not None,
        )
        for mid, name, zone, schedule, country, subdivision, hours_id in rows
    }


def profile(member: Membership | int) -> Profile:
    mid = member if isinstance(member, int) else member.id
    found = profiles([mid]).get(mid)
    if found is None:
        raise NotFound()
    return found


def client_profiles(client_ids: Iterable[int]) -> dict[int, ClientProfile]:
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Client.id, Client.time_zone, Client.country, ClientHours.schedule, ClientHours.id)
        .outerjoin(ClientHours, ClientHours.client_id == Client.id)
        .where(Client.id.in_(ids))
    )
    return {
        cid: ClientProfile(
            cid,
            zone or "UTC",
            as_schedule(schedule) if hours_id else DEFAULT_SCHEDULE,
            country,
            hours_id is not None,
        )
        for cid, zone, country, schedule, hours_id in rows
    }


def client_profile(client: Client | int) -> ClientProfile:
    cid = client if isinstance(client, int) else client.id
    found = client_profiles([cid]).get(cid)
    if found is None:
        raise NotFound()
    return found


def approved_time_off(
    member_ids: Iterable[int], first: dt.date, last: dt.date
) -> dict[int, list[TimeOff]]:
    ids = sorted(set(member_ids))
    out: dict[int, list[TimeOff]] = defaultdict(list)
    if not ids:
        return out
    rows = db.session.scalars(
        sa.select(TimeOff)
        .where(
            among(TimeOff.membership_id, ids),
            TimeOff.state == "approved",
            TimeOff.starts_on <= last,
            TimeOff.ends_on >= first,
        )
        .order_by(TimeOff.starts_on, TimeOff.id)
    )
    for row in rows:
        out[row.membership_id].append(row)
    return out


def _absences(offs: list[TimeOff]) -> tuple[set[dt.date], dict[int, int]]:
    """Whole days off, and minutes off per day (by ordinal) for partial days."""
    days: set[dt.date] = set()
    partial: dict[int, int] = defaultdict(int)
    for off in offs:
        if off.minutes:
            partial[off.starts_on.toordinal()] += off.minutes
            continue
        day = off.starts_on
        while day <= off.ends_on:
            days.add(day)
            day += dt.timedelta(days=1)
    return days, partial


def _cut_tail(intervals: list[Interval], minutes: int) -> list[Interval]:
    """The day's intervals with `minutes` taken off their end (hours off on one day)."""
    left = dt.timedelta(minutes=minutes)
    out = list(normalize(intervals))
    while out and left > dt.timedelta(0):
        start, end = out[-1]
        if end - start <= left:
            left -= end - start
            out.pop()
        else:
            out[-1] = (start, end - left)
            left = dt.timedelta(0)
    return out


def _day_working(
    prof: Profile, day: dt.date, off_days: set[dt.date], partial: dict[int, int]
) -> list[Interval]:
    if day in off_days or is_holiday(prof.country, prof.subdivision, day):
        return []
    intervals = day_intervals_utc(prof.schedule, prof.zone, day)
    cut = partial.get(day.toordinal())
    return _cut_tail(intervals, cut) if cut else normalize(intervals)


def weekly_capacity(
    member_ids: Iterable[int], first_week_start: dt.date, weeks: int
) -> dict[tuple[int, dt.date], int]:
    """Working minutes of each member in each of `weeks` weeks from `first_week_start`
    (days in the member's zone): their hours, minus approved time off, minus the public
    holidays of their country. Two statements whatever the number of members."""
    weeks = max(0, min(int(weeks), 520))
    ids = sorted(set(member_ids))
    last = first_week_start + dt.timedelta(days=7 * weeks - 1)
    profs = profiles(ids)
    offs = approved_time_off(ids, first_week_start, last)
    out: dict[tuple[int, dt.date], int] = {}
    # A whole working day's minutes depend only on the hours, the zone and the date (a DST
    # change shortens or lengthens it): a team shares a few of those, worked out once.
    full_days: dict[tuple[str, str, dt.date], int] = {}
    # Members with the same zone, hours and holidays and no time off in the range (most of
    # a team) have the same weeks: those are worked out once per kind of member.
    shared: dict[tuple[str, str, str | None, str | None], list[int]] = {}
    starts = [first_week_start + dt.timedelta(days=7 * w) for w in range(weeks)]
    for mid in ids:
        prof = profs.get(mid)
        if prof is None:
            out.update({(mid, start): 0 for start in starts})
            continue
        off_days, partial = _absences(offs.get(mid, []))
        hours = repr(prof.schedule)
        kind = (prof.zone_name, hours, prof.country, prof.subdivision)
        if not off_days and not partial and kind in shared:
            out.update(zip(((mid, start) for start in starts), shared[kind], strict=True))
            continue
        totals = []
        for start in starts:
            total = 0
            for d in range(7):
                day = start + dt.timedelta(days=d)
                if day.toordinal() in partial or day in off_days:
                    total += total_minutes(_day_working(prof, day, off_days, partial))
                    continue
                if is_holiday(prof.country, prof.subdivision, day):
                    continue
                key = (prof.zone_name, hours, day)
                if key not in full_days:
                    full_days[key] = total_minutes(
                        normalize(day_intervals_utc(prof.schedule, prof.zone, day))
                    )
                total += full_days[key]
            totals.append(total)
        if not off_days and not partial:
            shared[kind] = totals
        out.update(zip(((mid, start) for start in starts), totals, strict=True))
    return out


def working_intervals_utc(
    member: Membership | int,
    start_utc: dt.datetime,
    end_utc: dt.datetime,
    *,
    absences: bool = True,
) -> list[Interval]:
    """A member's working time between two UTC instants, as UTC intervals; with `absences`
    (the default) holidays and approved time off are left out."""
    prof = profile(member)
    if end_utc <= start_utc:
        return []
    if not absences:
        return schedule_intervals_utc(prof.schedule, prof.zone, start_utc, end_utc)
    first = start_utc.astimezone(prof.zone).date() - dt.timedelta(days=1)
    last = end_utc.astimezone(prof.zone).date()
    off_days, partial = _absences(
        approved_time_off([prof.membership_id], first, last).get(prof.membership_id, [])
    )
    out: list[Interval] = []
    day = first
    while day <= last:
        out.extend(_day_working(prof, day, off_days, partial))
        day += dt.timedelta(days=1)
    return intersect(out, [(start_utc, end_utc)])


def client_business_intervals_utc(
    client: Client | int,
    start_utc: dt.datetime,
    end_utc: dt.datetime,
    *,
    holidays: bool = True,
) -> list[Interval]:
    """A client's business hours between two UTC instants, public holidays of the client's
    country left out (unless `holidays=False`)."""
    prof = client_profile(client)
    skip = (lambda day: is_holiday(prof.country, None, day)) if holidays else None
    return schedule_intervals_utc(prof.schedule, prof.zone, start_utc, end_utc, skip)


def _typical_week(around_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    monday = around_date - dt.timedelta(days=around_date.weekday())
    start = dt.datetime(monday.year, monday.month, monday.day, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=7)


def overlap_hours_per_day(
    member: Membership | int, client: Client | int, around_date: dt.date
) -> float:
    """Average daily overlap, in hours, of a VA's working hours and a client's business
    hours over the (Monday-to-Sunday, UTC) week around `around_date`, holidays and time off
    aside: the week's overlap divided by the client's business days (days with hours)."""
    return overlap_of_profiles(profile(member), client_profile(client), around_date)


def overlap_of_profiles(prof: Profile, cprof: ClientProfile, around_date: dt.date) -> float:
    """`overlap_hours_per_day` from profiles already read (no statement: callers ranking
    many VAs read their profiles in bulk with `profiles()`)."""
    start, end = _typical_week(around_date)
    va = schedule_intervals_utc(prof.schedule, prof.zone, start, end)
    biz = schedule_intervals_utc(cprof.schedule, cprof.zone, start, end)
    days = sum(1 for day in cprof.schedule if day) or 1
    return round(total_minutes(intersect(va, biz)) / 60 / days, 2)


def member_holidays(prof: Profile, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return holidays_between(prof.country, prof.subdivision, first, last)


def client_holidays(cprof: ClientProfile, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return holidays_between(cprof.country, None, first, last)


def time_off_query(actor: Actor, filters: dict) -> sa.Select:
    """Time off the actor may see (their own; everyone's for owners and managers), newest
    first, filtered by state, member, and days overlapping `from`..`to`."""
    stmt = sa.select(TimeOff)
    if not actor.is_manager:
        stmt = stmt.where(TimeOff.membership_id == actor.membership.id)
    if filters.get("state") and filters["state"] != "all":
        stmt = stmt.where(TimeOff.state == filters["state"])
    if filters.get("member_id"):
        stmt = stmt.where(TimeOff.membership_id == filters["member_id"])
    if filters.get("date_from"):
        stmt = stmt.where(TimeOff.ends_on >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(TimeOff.starts_on <= filters["date_to"])
    return stmt.order_by(TimeOff.starts_on.desc(), TimeOff.id.desc())


def pending_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(TimeOff).where(TimeOff.state == "pending")
        )
        or 0
    )


def overlapping_time_off(
    membership_id: int, first: dt.date, last: dt.date, exclude_id: int | None = None
) -> TimeOff | None:
    stmt = sa.select(TimeOff).where(
        TimeOff.membership_id == membership_id,
        TimeOff.state.in_(("pending", "approved")),
        TimeOff.starts_on <= last,
        TimeOff.ends_on >= first,
    )
    if exclude_id:
        stmt = stmt.where(TimeOff.id != exclude_id)
    return db.session.scalars(stmt.limit(1)).first()
