"""Periodic work: what the clock enqueues, and the heartbeats /healthz reports.

Each periodic job gets a deterministic key per time slot (`periodic:<name>:<slot start>`),
unique in the outbox table, so two clocks (or a clock restarted mid-slot) enqueue it once.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.core.clock import timestamp, utcnow
from app.core.jobs import OutboxJob, enqueue_job, publish_committed, redis_connection
from app.extensions import db

HEARTBEAT_KEY = "baton:heartbeat:{}"


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: str
    queue: str = "default"


# Later features add their sweeps here (invoice reminders, weekly digests, ...).
PERIODIC: list[Periodic] = [
    Periodic("housekeeping", dt.timedelta(hours=1), "app.core.housekeeping.purge_expired"),
    # Owners hear once per item when open work passes its due time.
    Periodic("work_overdue", dt.timedelta(minutes=15), "app.work.notifications.notify_overdue"),
    # Payment reminders go out at 09:00 client time: a quarter-hour sweep is at most 15 min late.
    Periodic(
        "invoice_reminders",
        dt.timedelta(minutes=15),
        "app.reminders.sweep.sweep_reminders",
    ),
    # Retainer drafts appear on the agency's recurring day; idempotent per plan and month.
    Periodic(
        "retainer_drafts", dt.timedelta(hours=1), "app.retainers.services.generate_retainer_drafts"
    ),
    # Retainer hour banks: alerts at 80 % and 100 % (once per threshold and month) and
    # top-up drafts of a closed month's overage; idempotent per plan and month.
    Periodic("retainer_hour_banks", dt.timedelta(hours=1), "app.retainers.banks.sweep_hour_banks"),
    # Timesheet reminders go out on Friday from 15:00 in each person's zone, once per week.
    Periodic(
        "timesheet_reminders",
        dt.timedelta(minutes=15),
        "app.timesheets.reminders.sweep_timesheet_reminders",
    ),
    # Weekly client digests at the agency's day and time in each client's zone, once per
    # client and week (unique digest row); a late clock catches up until the week ends.
    Periodic("client_digests", dt.timedelta(minutes=15), "app.digests.sweep.sweep_client_digests"),
    # Payout statements of the period that just ended (agency zone), once per agency and
    # period: idempotent by the unique key per person, period and currency.
    # Response-time promises: warn at 75 %, flag at 100 % (once per clock and occasion).
    Periodic(
        "response_promises",
        dt.timedelta(minutes=5),
        "app.promises.sweep.sweep_response_clocks",
    ),
    Periodic("payout_statements", dt.timedelta(hours=1), "app.payouts.generation.sweep_payouts"),
    # The quarterly NPS question (client's zone), once per client and quarter: idempotent by
    # the unique key per client, kind and quarter.
    Periodic("nps_surveys", dt.timedelta(hours=1), "app.surveys.sending.sweep_nps"),
    # Daily summaries of held notifications from 07:00 in each person's zone, once per
    # person and day (unique key per member and day; the notices claimed under a row lock).
    Periodic(
        "notice_summaries", dt.timedelta(minutes=15), "app.notices.summary.send_daily_summaries"
    ),
]


def slot_start(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    seconds = int(every.total_seconds())
    return dt.datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, dt.UTC)


def enqueue_due_periodic(now: dt.datetime | None = None) -> int:
    """Enqueue each periodic job once for the current slot; returns how many were new."""
    now = now or utcnow()
    created = 0
    for p in PERIODIC:
        key = f"periodic:{p.name}:{slot_start(now, p.every).isoformat()}"
        if db.session.scalar(sa.select(OutboxJob.id).where(OutboxJob.dedupe_key == key)):
            continue
        try:
            with db.session.begin_nested():
                enqueue_job(
                    db.session, p.func, label=f"Periodic: {p.name}", queue=p.queue, dedupe_key=key
                )
            db.session.commit()
            created += 1
        except IntegrityError:
            db.session.rollback()  # another clock enqueued this slot first
    publish_committed(db.session)
    return created


def beat(process: str) -> None:
    """Record that `process` (clock, worker) is alive."""
    conn = redis_connection()
    if conn is not None:
        conn.set(HEARTBEAT_KEY.format(process), timestamp(), ex=3600)
    else:
        current_app.extensions.setdefault("baton_heartbeats", {})[process] = timestamp()


def last_beat(process: str) -> int | None:
    conn = redis_connection()
    if conn is not None:
        value = conn.get(HEARTBEAT_KEY.format(process))
        return int(value) if value else None
    return current_app.extensions.get("baton_heartbeats", {}).get(process)


def last_worker_heartbeat() -> int | None:
    """The most recent heartbeat of any RQ worker (RQ keeps these itself)."""
    conn = redis_connection()
    if conn is None:
        return None
    from rq import Worker

    beats = [w.last_heartbeat for w in Worker.all(connection=conn) if w.last_heartbeat]
    return int(max(beats).timestamp()) if beats else None


def clock_round() -> dict:
    """One round of the clock: enqueue due periodic jobs, sweep the outbox, beat."""
    from app.core.jobs import sweep

    created = enqueue_due_periodic()
    result = sweep()
    result["periodic"] = created
    beat("clock")
    return result


def start_inprocess_clock(app, interval: float = 10.0):
    """Embedded default: run the clock in a daemon thread of the web process, so retries and
    periodic jobs happen without Redis or a separate clock process."""
    import logging
    import threading

    log = logging.getLogger("baton.clock")

    def loop() -> None:
        while True:
            time.sleep(interval)
            with app.app_context():
                try:
                    clock_round()
                except Exception:  # noqa: BLE001 - keep ticking
                    log.exception("in-process clock round failed")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="baton-clock", daemon=True)
    thread.start()
    return thread
