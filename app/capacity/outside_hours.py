"""Time logged outside working hours, per member, over a recent window (a strain signal).

The time of a member's entries with a start time, as the union of their spans (two entries
covering the same minutes count once), less the member's working time in their own zone:
public holidays of their country and whole days of approved time off count as outside.
Entries without a start time (a duration only) are left out; a running entry counts up to
now.

On PostgreSQL the spans are merged and the working time taken off in SQL, with multiranges
(one row per member comes back, whatever the number of entries); on other databases (the
embedded SQLite default) the entries are read and the same arithmetic is done here. Both
give the same minutes (tests/capacity/test_outside_hours.py compares them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from app.capacity.holidays_cache import is_holiday
from app.capacity.intervals import Interval, schedule_intervals_utc, subtract, total_minutes
from app.capacity.queries import approved_time_off, profiles
from app.core.db import UTCDateTime, among
from app.extensions import db
from app.time.models import TimeEntry


def working_windows(
    member_ids: list[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """Each member's working time between two UTC instants (their hours in their zone), public
    holidays of their country and whole days of approved time off left out. Members sharing
    a zone, hours, holidays and days off share one computation."""
    profs = profiles(member_ids)
    offs = approved_time_off(member_ids, start.date() - dt.timedelta(days=1), end.date())
    memo: dict[tuple, list[Interval]] = {}
    out: dict[int, list[Interval]] = {}
    for mid, prof in profs.items():
        days_off = frozenset(
            off.starts_on + dt.timedelta(days=d)
            for off in offs.get(mid, [])
            if not off.minutes
            for d in range(off.days)
        )
        key = (prof.zone_name, repr(prof.schedule), prof.country, prof.subdivision, days_off)
        if key not in memo:

            def skip(day: dt.date, prof=prof, days_off=days_off) -> bool:  # noqa: ANN001
                return day in days_off or is_holiday(prof.country, prof.subdivision, day)

            memo[key] = schedule_intervals_utc(prof.schedule, prof.zone, start, end, skip)
        out[mid] = memo[key]
    return out


def _entries_since(member_ids: list[int], since: dt.datetime, now: dt.datetime) -> list:
    """The filter of entries started in [since, now): the entry date (the start's local
    date) bounds the read to the agency's date index; the start time decides."""
    return [
        among(TimeEntry.membership_id, member_ids),
        TimeEntry.entry_date >= since.date() - dt.timedelta(days=1),
        TimeEntry.entry_date <= now.date() + dt.timedelta(days=1),
        TimeEntry.started_at.is_not(None),
        TimeEntry.started_at >= since,
        TimeEntry.started_at < now,
    ]


def _in_python(
    member_ids: list[int],
    since: dt.datetime,
    now: dt.datetime,
    windows: dict[int, list[Interval]],
) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(
            TimeEntry.membership_id,
            TimeEntry.started_at,
            TimeEntry.ended_at,
            TimeEntry.duration_seconds,
        ).where(*_entries_since(member_ids, since, now))
    )
    spans: dict[int, list[Interval]] = defaultdict(list)
    for mid, started, ended, seconds in rows:
        if ended is None:
            ended = started + dt.timedelta(seconds=seconds) if seconds is not None else now
        spans[mid].append((started, min(max(ended, started), now)))
    return {
        mid: total_minutes(subtract(spans[mid], windows.get(mid, []))) if mid in spans else 0
        for mid in member_ids
    }


def _in_sql(
    member_ids: list[int],
    since: dt.datetime,
    now: dt.datetime,
    windows: dict[int, list[Interval]],
) -> dict[int, int]:
    moment = sa.literal(now, UTCDateTime())
    started = TimeEntry.started_at
    ended = sa.func.least(
        sa.func.greatest(
            sa.func.coalesce(
                TimeEntry.ended_at,
                started + TimeEntry.duration_seconds * sa.literal_column("interval '1 second'"),
                moment,
            ),
            started,
        ),
        moment,
    )
    spans = (
        sa.select(
            TimeEntry.membership_id.label("mid"),
            sa.func.range_agg(sa.func.tstzrange(started, ended)).label("mr"),
        )
        .where(*_entries_since(member_ids, since, now))
        .group_by(TimeEntry.membership_id)
        .cte("spans")
    )
    # Most of a team shares a few working patterns (working_windows shares their lists): each
    # pattern goes to the database once, as a multirange, and each member points at theirs.
    pattern_of: dict[int, int] = {}
    members, patterns, los, his = [], [], [], []
    for mid, found in windows.items():
        if id(found) not in pattern_of:
            number = pattern_of[id(found)] = len(pattern_of)
            for lo, hi in found:
                patterns.append(number)
                los.append(lo)
                his.append(hi)
        members.append((mid, pattern_of[id(found)]))
    stamp = pg.ARRAY(sa.DateTime(timezone=True))
    integers = pg.ARRAY(sa.Integer())
    listed = (
        sa.func.unnest(
            sa.literal(patterns, integers), sa.literal(los, stamp), sa.literal(his, stamp)
        )
        .table_valued("pattern", "lo", "hi")
        .render_derived(name="w")
    )
    shapes = (
        sa.select(
            listed.c.pattern,
            sa.func.range_agg(sa.func.tstzrange(listed.c.lo, listed.c.hi)).label("mr"),
        )
        .group_by(listed.c.pattern)
        .subquery("shapes")
    )
    whose = (
        sa.func.unnest(
            sa.literal([m for m, _ in members], integers),
            sa.literal([n for _, n in members], integers),
        )
        .table_valued("mid", "pattern")
        .render_derived(name="whose")
    )
    work = (
        sa.select(whose.c.mid, shapes.c.mr)
        .select_from(whose)
        .join(shapes, shapes.c.pattern == whose.c.pattern)
        .cte("work")
    )
    left = spans.c.mr.op("-")(
        sa.func.coalesce(work.c.mr, sa.literal_column("'{}'::tstzmultirange"))
    )
    piece = sa.func.unnest(left).column_valued("piece")
    seconds = (
        sa.select(
            sa.func.coalesce(
                sa.func.sum(sa.extract("epoch", sa.func.upper(piece) - sa.func.lower(piece))), 0
            )
        )
        .correlate(spans, work)
        .scalar_subquery()
    )
    found = db.session.execute(
        sa.select(spans.c.mid, seconds).outerjoin(work, work.c.mid == spans.c.mid)
    )
    out = {mid: 0 for mid in member_ids}
    for mid, total in found:
        out[mid] = int(total) // 60
    return out


def outside_minutes(
    member_ids: list[int], since: dt.datetime, now: dt.datetime, *, in_sql: bool | None = None
) -> dict[int, int]:
    """Minutes of each member's entries started in [since, now) that fall outside their
    working time. `in_sql` picks the way (None: in SQL on PostgreSQL); both agree."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    windows = working_windows(ids, since, now)
    if in_sql is None:
        in_sql = db.session.get_bind().dialect.name == "postgresql"
    return (_in_sql if in_sql else _in_python)(ids, since, now, windows)
