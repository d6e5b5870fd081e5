"""Recurring client meetings: proposing weekly slots from the overlap of the assigned VA's
working hours and the client's business hours, and their occurrences.

A slot is stored as a weekday and a local start in the CLIENT's zone. Each occurrence is
computed per date through zoneinfo, so it stays at the client's wall-clock time across the
client's DST changes; the VA's local time of it is shown beside it, and an occurrence that
leaves the VA's hours (the VA's zone changed offset on another date) is flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.capacity.intervals import (
    Schedule,
    local_instant,
    schedule_intervals_utc,
    total_minutes,
)
from app.capacity.models import MeetingSlot
from app.capacity.queries import ClientProfile, Profile, client_profiles, profiles
from app.clients.models import Assignment
from app.extensions import db

SLOT_STEP = 30
CHECK_WEEKS = 52  # a proposal is judged over a year of occurrences (both DST changes)


@dataclass(frozen=True)
class Occurrence:
    client_id: int
    membership_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    slot_id: int
    outside_va_hours: bool = False


@dataclass(frozen=True)
class Proposal:
    weekday: int  # in the client's zone
    start_minute: int  # in the client's zone
    duration_minutes: int
    next_start_utc: dt.datetime
    va_weekday: int  # of the next occurrence, in the VA's zone
    va_start_minute: int
    weeks_fitting: int  # of the next CHECK_WEEKS occurrences, how many are within the VA's hours
    weeks_checked: int

    @property
    def always_fits(self) -> bool:
        return self.weeks_fitting == self.weeks_checked


def primary_va_id(client_id: int, today: dt.date) -> int | None:
    """The client's current primary VA (the most recent assignment)."""
    return db.session.scalar(
        sa.select(Assignment.membership_id)
        .where(
            Assignment.client_id == client_id,
            Assignment.kind == "primary",
            Assignment.starts_on <= today,
            sa.or_(Assignment.ends_on.is_(None), Assignment.ends_on > today),
        )
        .order_by(Assignment.starts_on.desc(), Assignment.id.desc())
        .limit(1)
    )


def _fits(schedule: Schedule, prof: Profile, start: dt.datetime, minutes: int) -> bool:
    end = start + dt.timedelta(minutes=minutes)
    return total_minutes(schedule_intervals_utc(schedule, prof.zone, start, end)) >= minutes


def _next_date(from_date: dt.date, weekday: int) -> dt.date:
    return from_date + dt.timedelta(days=(weekday - from_date.weekday()) % 7)


def propose_slots(
    prof: Profile,
    cprof: ClientProfile,
    from_date: dt.date,
    *,
    count: int = 3,
    duration: int = 30,
) -> list[Proposal]:
    """The first `count` weekly slots (client's zone, every 30 minutes) inside the client's
    business hours and the VA's working hours on their next date from `from_date`; the ones
    that stay inside the VA's hours all year (through both zones' DST changes) come first."""
    candidates: list[Proposal] = []
    for weekday in range(7):
        day = _next_date(from_date, weekday)
        for start_min, end_min in cprof.schedule[weekday]:
            first = -(-start_min // SLOT_STEP) * SLOT_STEP
            for minute in range(first, end_min - duration + 1, SLOT_STEP):
                start = local_instant(day, minute, cprof.zone)
                if not _fits(prof.schedule, prof, start, duration):
                    continue
                fitting = sum(
                    _fits(
                        prof.schedule,
                        prof,
                        local_instant(day + dt.timedelta(weeks=w), minute, cprof.zone),
                        duration,
                    )
                    for w in range(CHECK_WEEKS)
                )
                va_local = start.astimezone(prof.zone)
                candidates.append(
                    Proposal(
                        weekday,
                        minute,
                        duration,
                        start,
                        va_local.weekday(),
                        va_local.hour * 60 + va_local.minute,
                        fitting,
                        CHECK_WEEKS,
                    )
                )
    candidates.sort(key=lambda p: (not p.always_fits, p.weekday, p.start_minute))
    return candidates[:count]


def slots_of(client_id: int) -> list[MeetingSlot]:
    return list(
        db.session.scalars(
            sa.select(MeetingSlot)
            .where(MeetingSlot.client_id == client_id)
            .order_by(MeetingSlot.weekday, MeetingSlot.start_minute, MeetingSlot.id)
        )
    )


def meeting_occurrences(
    start_utc: dt.datetime,
    end_utc: dt.datetime,
    client_ids: list[int] | None = None,
    membership_ids: list[int] | None = None,
) -> list[Occurrence]:
    """Occurrences of the active meeting slots between two UTC instants, by start; three
    statements whatever the number of slots."""
    if end_utc <= start_utc:
        return []
    stmt = sa.select(
        MeetingSlot.id,
        MeetingSlot.client_id,
        MeetingSlot.membership_id,
        MeetingSlot.weekday,
        MeetingSlot.start_minute,
        MeetingSlot.duration_minutes,
    ).where(MeetingSlot.active.is_(True))
    if client_ids is not None:
        stmt = stmt.where(MeetingSlot.client_id.in_(client_ids))
    if membership_ids is not None:
        stmt = stmt.where(MeetingSlot.membership_id.in_(membership_ids))
    rows = list(db.session.execute(stmt))
    if not rows:
        return []
    cprofs = client_profiles(r.client_id for r in rows)
    profs = profiles(r.membership_id for r in rows)
    out: list[Occurrence] = []
    for row in rows:
        cprof = cprofs.get(row.client_id)
        if cprof is None:
            continue
        prof = profs.get(row.membership_id)
        day = start_utc.astimezone(cprof.zone).date() - dt.timedelta(days=1)
        day = _next_date(day, row.weekday)
        last = end_utc.astimezone(cprof.zone).date() + dt.timedelta(days=1)
        while day <= last:
            starts = local_instant(day, row.start_minute, cprof.zone)
            ends = starts + dt.timedelta(minutes=row.duration_minutes)
            if ends > start_utc and starts < end_utc:
                outside = prof is not None and not _fits(
                    prof.schedule, prof, starts, row.duration_minutes
                )
                out.append(
                    Occurrence(row.client_id, row.membership_id, starts, ends, row.id, outside)
                )
            day += dt.timedelta(days=7)
    out.sort(key=lambda o: (o.starts_at, o.slot_id))
    return out


def slot_va_time(
    slot_weekday: int, start_minute: int, cprof: ClientProfile, prof: Profile, from_date: dt.date
) -> tuple[int, int]:
    """(weekday, minute) of a slot's next occurrence in the VA's zone."""
    start = local_instant(_next_date(from_date, slot_weekday), start_minute, cprof.zone)
    local = start.astimezone(prof.zone)
    return local.weekday(), local.hour * 60 + local.minute
