"""Write side of the response-time promise: clocks start on client messages, pause while the
agency waits on the client, stop at the first staff reply. Flush, never commit.

Other domains call the public functions: the portal when a request is made, accepted or
declined, the work item history (through `on_work_event`, registered as a hook), and inbound
mail for the messages it threads (`start_response_clock` / `staff_replied`).

What pauses a clock, precisely: a staff reply that asks the client for something
(`staff_replied(..., asks_client=True)`, or a work item sent to the client for approval)
holds every open clock of its thread; the client's next message or decision on the thread
resumes them, with the business time already used carried on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.agencies.models import Agency
from app.capacity.intervals import DEFAULT_SCHEDULE, zone_of
from app.clients.models import Assignment, Client
from app.clients.queries import current_assignment_filter
from app.core.clock import today_in, utcnow
from app.core.permissions import Actor
from app.extensions import db
from app.promises.business_time import BusinessWeek, add_business_seconds, business_seconds
from app.promises.models import ResponseClock
from app.promises.queries import agency_hours

WARN_SHARE = 0.75
OPEN_STATES = ("running", "paused")


def business_week(agency_id: int) -> BusinessWeek:
    """The agency's week in its zone (Monday to Friday, 09:00-17:00 when none is saved)."""
    agency = db.session.get(Agency, agency_id)
    hours = agency_hours()
    return BusinessWeek(
        schedule=hours.week if hours is not None else DEFAULT_SCHEDULE,
        zone=zone_of(agency.time_zone if agency is not None else None),
        country=hours.country if hours is not None else None,
        subdivision=hours.subdivision if hours is not None else None,
    )


def _schedule_deadlines(clock: ResponseClock, week: BusinessWeek) -> None:
    """Due and warning instants of a running clock, from what is left of the promise."""
    assert clock.running_since is not None
    left = clock.promised_seconds - clock.business_seconds
    clock.due_at = add_business_seconds(week, clock.running_since, max(0, left))
    warn_left = int(clock.promised_seconds * WARN_SHARE) - clock.business_seconds
    clock.warn_at = add_business_seconds(week, clock.running_since, max(0, warn_left))


def used_seconds(clock: ResponseClock, now: dt.datetime, week: BusinessWeek) -> int:
    """Business seconds the clock has used up to `now`."""
    used = clock.business_seconds
    if clock.state == "running" and clock.running_since is not None:
        used += business_seconds(week, clock.running_since, now)
    return used


def _primary_va(client_id: int, agency_id: int, at: dt.datetime) -> int | None:
    agency = db.session.get(Agency, agency_id)
    today = today_in(agency.time_zone if agency is not None else None, at)
    return db.session.scalar(
        sa.select(Assignment.membership_id)
        .where(
            Assignment.client_id == client_id,
            Assignment.kind == "primary",
            current_assignment_filter(today),
        )
        .order_by(Assignment.starts_on.desc(), Assignment.id.desc())
        .limit(1)
    )


def _open_on_thread(thread_kind: str, thread_id: int, lock: bool = False) -> list[ResponseClock]:
    stmt = (
        sa.select(ResponseClock)
        .where(
            ResponseClock.thread_kind == thread_kind,
            ResponseClock.thread_id == thread_id,
            ResponseClock.state.in_(OPEN_STATES),
        )
        .order_by(ResponseClock.id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return list(db.session.scalars(stmt))


def start_response_clock(
    client_id: int,
    source_kind: str,
    source_id: int,
    received_at: dt.datetime,
    *,
    thread_kind: str | None = None,
    thread_id: int | None = None,
) -> ResponseClock | None:
    """A client message that needs an answer. The thread defaults to the message itself (a
    work request is its own thread). A thread already waited on keeps its clock (a paused
    one resumes); a message seen before returns its clock. None for a client that promises
    no response time."""
    thread_kind = thread_kind or source_kind
    thread_id = thread_id if thread_id is not None else source_id
    seen = db.session.scalar(
        sa.select(ResponseClock).where(
            ResponseClock.source_kind == source_kind, ResponseClock.source_id == source_id
        )
    )
    if seen is not None:
        return seen
    open_clocks = _open_on_thread(thread_kind, thread_id, lock=True)
    if open_clocks:
        resume_response_clocks(thread_kind, thread_id, received_at)
        return open_clocks[0]
    client = db.session.get(Client, client_id)
    if client is None or not client.response_time_hours or client.response_time_hours <= 0:
        return None
    clock = ResponseClock(
        agency_id=client.agency_id,
        client_id=client.id,
        va_membership_id=_primary_va(client.id, client.agency_id, received_at),
        thread_kind=thread_kind,
        thread_id=thread_id,
        source_kind=source_kind,
        source_id=source_id,
        promised_seconds=client.response_time_hours * 3600,
        received_at=received_at,
        state="running",
        running_since=received_at,
        business_seconds=0,
    )
    _schedule_deadlines(clock, business_week(client.agency_id))
    db.session.add(clock)
    db.session.flush()
    return clock


def hold_response_clocks(thread_kind: str, thread_id: int, at: dt.datetime) -> int:
    """The agency waits on the client: running clocks of the thread pause at `at`."""
    held = 0
    week: BusinessWeek | None = None
    for clock in _open_on_thread(thread_kind, thread_id, lock=True):
        if clock.state != "running":
            continue
        week = week or business_week(clock.agency_id)
        clock.business_seconds = used_seconds(clock, at, week)
        clock.state = "paused"
        clock.running_since = None
        clock.due_at = clock.warn_at = None
        held += 1
    db.session.flush()
    return held


def reschedule_running_clocks(old: BusinessWeek, new: BusinessWeek, at: dt.datetime) -> int:
    """The agency changed its business week at `at`: each running clock keeps the business
    time it used under the old week and counts what is left in the new one (its due and
    warning times move). A breached clock keeps its breach."""
    moved = 0
    for clock in db.session.scalars(
        sa.select(ResponseClock)
        .where(ResponseClock.state == "running", ResponseClock.breached_at.is_(None))
        .order_by(ResponseClock.id)
        .with_for_update()
    ):
        clock.business_seconds = used_seconds(clock, at, old)
        clock.running_since = at
        _schedule_deadlines(clock, new)
        moved += 1
    db.session.flush()
    return moved


def resume_response_clocks(thread_kind: str, thread_id: int, at: dt.datetime) -> int:
    """The client answered: paused clocks of the thread run again from `at`."""
    resumed = 0
    week: BusinessWeek | None = None
    for clock in _open_on_thread(thread_kind, thread_id, lock=True):
        if clock.state != "paused":
            continue
        week = week or business_week(clock.agency_id)
        clock.state = "running"
        clock.running_since = at
        _schedule_deadlines(clock, week)
        resumed += 1
    db.session.flush()
    return resumed


def staff_replied(
    thread_kind: str,
    thread_id: int,
    at: dt.datetime,
    user_id: int | None,
    *,
    asks_client: bool = False,
) -> int:
    """A staff reply the client sees. One asking the client for something holds the
    thread's clocks; any other answers them (a later reply finds none open)."""
    if asks_client:
        return hold_response_clocks(thread_kind, thread_id, at)
    answered = 0
    week: BusinessWeek | None = None
    for clock in _open_on_thread(thread_kind, thread_id, lock=True):
        week = week or business_week(clock.agency_id)
        clock.business_seconds = used_seconds(clock, at, week)
        clock.state = "answered"
        clock.running_since = None
        clock.answered_at = at
        clock.answered_by_id = user_id
        answered += 1
    db.session.flush()
    return answered


def on_work_event(actor: Actor | None, item: Any, event: Any) -> None:
    """The work item history hook: a client contact's comment needs an answer (or answers
    the agency's question), a staff comment the client sees answers it, sending the item
    to the client for approval waits on them, and any other client step resumes."""
    kind = getattr(event, "kind", None)
    at = getattr(event, "at", None) or utcnow()
    item_id = item.id
    is_client = actor is not None and actor.role == "client"
    if kind == "comment" and is_client:
        start_response_clock(
            item.client_id,
            "work_comment",
            event.id,
            at,
            thread_kind="work_item",
            thread_id=item_id,
        )
    elif kind == "comment" and actor is not None and not getattr(event, "internal", True):
        asks = bool((getattr(event, "data", None) or {}).get("asks_client"))
        staff_replied("work_item", item_id, at, actor.user_id, asks_client=asks)
    elif kind == "transition" and getattr(event, "to_state", None) == "awaiting_client":
        hold_response_clocks("work_item", item_id, at)
    elif is_client:
        resume_response_clocks("work_item", item_id, at)
