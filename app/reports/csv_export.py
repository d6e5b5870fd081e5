"""The time entries CSV for accountants: the report's filters, one row per entry, streamed.

Rows are read with `yield_per` (a server-side cursor on PostgreSQL) and written one at a
time (app.core.spreadsheet), so memory stays flat however many entries the period holds.
Names, titles and notes are people's text: a cell that would start a spreadsheet formula is
neutralised. Start and end are local times in the person's zone (the entry's `zone`, kept
from when it was entered), written beside it; hours are decimal, to two places.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.clients.models import Client
from app.core.permissions import Actor
from app.core.spreadsheet import safe_cell, stream_csv
from app.extensions import db
from app.reports.queries import Period, entry_state, filtered
from app.sops.models import Sop
from app.time.models import Activity, TimeEntry
from app.time.queries import recorded_seconds
from app.users.models import Membership, User
from app.work.models import WorkItem

COLUMNS = (
    "date", "person", "client", "work_item", "sop", "activity", "billable",
    "start", "end", "zone", "hours", "state", "notes",
)  # fmt: skip
BATCH = 1000
_CENT = Decimal("0.01")


def _local(value: dt.datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def hours_text(seconds: int) -> str:
    """Decimal hours to two places: 5400 -> "1.50"."""
    return str((Decimal(seconds) / 3600).quantize(_CENT, rounding=ROUND_HALF_UP))


def entries_statement(actor: Actor, args: dict, period: Period, now: dt.datetime) -> sa.Select:
    """The report's entries with what a row shows, oldest first."""
    stmt = filtered(
        actor,
        args,
        period,
        TimeEntry.entry_date,
        User.name,
        Client.name,
        WorkItem.title,
        Sop.title,
        Activity.name,
        TimeEntry.billable,
        TimeEntry.started_at,
        TimeEntry.ended_at,
        TimeEntry.zone,
        recorded_seconds(now),
        entry_state(),
        TimeEntry.notes,
    )
    return (
        stmt.join(Membership, Membership.id == TimeEntry.membership_id)
        .join(User, User.id == Membership.user_id)
        .join(Client, Client.id == TimeEntry.client_id)
        .outerjoin(Sop, Sop.id == WorkItem.sop_id)
        .outerjoin(Activity, Activity.id == TimeEntry.activity_id)
        .order_by(
            TimeEntry.entry_date,
            sa.func.coalesce(TimeEntry.started_at, TimeEntry.created_at),
            TimeEntry.id,
        )
        .execution_options(yield_per=BATCH)
    )


def entry_rows(actor: Actor, args: dict, period: Period, now: dt.datetime) -> Iterator[list]:
    """The CSV rows (the statement runs when the first row is asked for)."""
    result = db.session.execute(entries_statement(actor, args, period, now))
    for (day, person, client, item, sop, activity, billable, start, end, zone, seconds,
         state, notes) in result:  # fmt: skip
        yield [
            day.isoformat(), safe_cell(person), safe_cell(client), safe_cell(item),
            safe_cell(sop), safe_cell(activity), "yes" if billable else "no",
            _local(start, zone), _local(end, zone), zone,
            hours_text(int(round(float(seconds or 0)))), state, safe_cell(notes),
        ]  # fmt: skip


def time_entries_csv(actor: Actor, args: dict, period: Period, now: dt.datetime) -> Iterator[str]:
    """The CSV text, a row at a time."""
    return stream_csv(COLUMNS, entry_rows(actor, args, period, now))
