"""The demo agency's recorded time: the VAs' last three weeks on their own clients (on work
items where the client has some), the time their delivered work took (near its estimate,
some quicker, some longer: the SOP library's actual times and the estimates report read
it), and Priya's timer running since 40 minutes ago."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa

from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.extensions import db
from app.time.models import Activity, TimeEntry
from app.users.models import Membership
from app.work.models import WorkItem

# (start, end) as local times of day, and the activity's name.
_DAY = (((9, 0), (10, 30), "Email and messages"), ((13, 0), (14, 15), "Admin"))
# Delivered work: actual time as a share of the estimate, in turn (within 20 %, quicker,
# longer), worked from 15:00 on a day of its own (after the day's other slots).
_ACTUAL_SHARES = (1.0, 0.9, 1.15, 0.7, 1.45, 1.05)
_WORK_FROM = (15, 0)
_LONGEST_MINUTES = 5 * 60


def seed_demo_time(clients: list[Client], vas: list[Membership]) -> int:
    """Time entries of the VAs (by direct rows, as the rest of the demo's history); returns
    how many."""
    now = utcnow()
    activities = {a.name: a.id for a in db.session.scalars(sa.select(Activity))}
    items = {}
    for item in db.session.scalars(sa.select(WorkItem).order_by(WorkItem.id)):
        items.setdefault(item.client_id, item.id)
    count = 0
    for index, va in enumerate(vas):
        zone = va.user.time_zone or "UTC"
        tz = zoneinfo.ZoneInfo(zone)
        own = [c for i, c in enumerate(clients) if i % len(vas) == index]
        today = today_in(zone, now)
        for back in range(1, 22):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for slot, ((sh, sm), (eh, em), activity) in enumerate(_DAY):
                client = own[(back + slot) % len(own)]
                start = dt.datetime(day.year, day.month, day.day, sh, sm, tzinfo=tz)
                end = dt.datetime(day.year, day.month, day.day, eh, em, tzinfo=tz)
                db.session.add(
                    TimeEntry(
                        membership_id=va.id,
                        client_id=client.id,
                        work_item_id=items.get(client.id) if slot == 0 else None,
                        activity_id=activities.get(activity),
                        billable=slot == 0,
                        entry_date=day,
                        started_at=start.astimezone(dt.UTC),
                        ended_at=end.astimezone(dt.UTC),
                        duration_seconds=int((end - start).total_seconds()),
                        zone=zone,
                        created_by_id=va.user_id,
                    )
                )
                count += 1
    count += _delivered_work_time(vas, now)
    priya = vas[0]
    started = now - dt.timedelta(minutes=40)
    db.session.add(
        TimeEntry(
            membership_id=priya.id,
            client_id=clients[0].id,
            work_item_id=items.get(clients[0].id),
            billable=True,
            entry_date=today_in(priya.user.time_zone, started),
            started_at=started,
            zone=priya.user.time_zone or "UTC",
            created_by_id=priya.user_id,
        )
    )
    db.session.flush()
    return count + 1


def _delivered_work_time(vas: list[Membership], now: dt.datetime) -> int:
    """One entry per delivered item of the VAs, on the day its work started (or the latest
    free weekday before it), from 15:00 for its estimate times a share; returns how many."""
    by_id = {va.id: va for va in vas}
    used: set[tuple[int, dt.date]] = set()
    delivered = db.session.scalars(
        sa.select(WorkItem)
        .where(WorkItem.delivered_at.is_not(None), WorkItem.assignee_id.in_(list(by_id)))
        .order_by(WorkItem.id)
    ).all()
    for n, item in enumerate(delivered):
        va = by_id[item.assignee_id]
        zone = va.user.time_zone or "UTC"
        tz = zoneinfo.ZoneInfo(zone)
        day = min(
            (item.started_at or item.created_at).astimezone(tz).date(),
            today_in(zone, now) - dt.timedelta(days=1),
        )
        while day.weekday() >= 5 or (va.id, day) in used:
            day -= dt.timedelta(days=1)
        used.add((va.id, day))
        share = _ACTUAL_SHARES[n % len(_ACTUAL_SHARES)]
        minutes = min(_LONGEST_MINUTES, max(15, round((item.estimate_minutes or 60) * share)))
        start = dt.datetime(day.year, day.month, day.day, *_WORK_FROM, tzinfo=tz)
        start = start.astimezone(dt.UTC)
        end = start + dt.timedelta(minutes=minutes)  # true length, whatever the clocks do
        db.session.add(
            TimeEntry(
                membership_id=va.id,
                client_id=item.client_id,
                work_item_id=item.id,
                billable=True,
                entry_date=day,
                started_at=start,
                ended_at=end,
                duration_seconds=minutes * 60,
                zone=zone,
                created_by_id=va.user_id,
            )
        )
    return len(delivered)
