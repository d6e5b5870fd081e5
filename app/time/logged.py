"""Time logged on each work item (`work_items.logged_seconds`), kept by mapper events.

The workload reads every open item's remaining estimate (estimate less the time logged on
it) for a whole team: summing the time entries of tens of thousands of items on every
request would not scale, so each work item carries the total of its entries' durations.
Whatever writes a time entry through the ORM (a timer stopping, an entry typed in, edited,
moved to another item or deleted) adds or takes its seconds on the item in the same
transaction, in one UPDATE (`logged_seconds = logged_seconds + delta`, safe when two people
log time on one item at once). `RECOUNT_SQL` recomputes every item from its entries (the
migration that added the column, bulk loads).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.time.models import TimeEntry
from app.work.models import WorkItem

RECOUNT_SQL = """
UPDATE work_items SET logged_seconds = (
    SELECT coalesce(sum(coalesce(t.duration_seconds, 0)), 0)
    FROM time_entries t WHERE t.work_item_id = work_items.id
)
"""


def _add(connection: sa.Connection, item_id: int | None, seconds: int) -> None:
    if item_id is None or not seconds:
        return
    table = WorkItem.__table__
    connection.execute(
        table.update()
        .where(table.c.id == item_id)
        .values(logged_seconds=table.c.logged_seconds + seconds)
    )


def _old(entry: TimeEntry, name: str) -> object:
    history = sa.inspect(entry).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(entry, name)


@sa.event.listens_for(TimeEntry, "after_insert")
def _entry_added(_mapper: object, connection: sa.Connection, entry: TimeEntry) -> None:
    _add(connection, entry.work_item_id, entry.duration_seconds or 0)


@sa.event.listens_for(TimeEntry, "after_update")
def _entry_changed(_mapper: object, connection: sa.Connection, entry: TimeEntry) -> None:
    attrs = sa.inspect(entry).attrs
    if not (
        attrs.work_item_id.history.has_changes() or attrs.duration_seconds.history.has_changes()
    ):
        return
    _add(connection, _old(entry, "work_item_id"), -int(_old(entry, "duration_seconds") or 0))
    _add(connection, entry.work_item_id, entry.duration_seconds or 0)


@sa.event.listens_for(TimeEntry, "after_delete")
def _entry_removed(_mapper: object, connection: sa.Connection, entry: TimeEntry) -> None:
    _add(connection, _old(entry, "work_item_id"), -int(_old(entry, "duration_seconds") or 0))
