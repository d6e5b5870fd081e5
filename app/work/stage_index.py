"""The due moments of the SOP stages of open work, stored (`work_stage_dues`).

A stage's due moment follows from when the work started, the client's zone and the SOP
version (`app.work.stage_dates`); the master calendar asks "which stages fall due in this
month" of an agency with tens of thousands of open items, which only an index over stored
moments answers quickly. The rows are kept by mapper events, whatever writes the item:
inserting an open work item writes its stages' rows; a change to its state, start, client or
SOP version rewrites them (none once the work is delivered or cancelled); a change to a
client's zone rewrites its open items'. `backfill()` fills the table for work written
around the ORM (bulk loads, the migration that made the table).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.sops.models import SopVersion
from app.work.models import OPEN_STATES, WorkItem
from app.work.stage_dates import END_OF_DAY, stage_due_dates

WATCHED = ("state", "started_at", "created_at", "client_id", "sop_version_id")


class WorkStageDue(TenantScoped, db.Model):
    """When one stage of an open work item is due (UTC)."""

    __tablename__ = "work_stage_dues"
    __table_args__ = (sa.Index("ix_work_stage_dues_agency_due", "agency_id", "due_at"),)

    work_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True
    )
    place: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stage_key: Mapped[str] = mapped_column(sa.String(80))
    stage_title: Mapped[str] = mapped_column(sa.String(200))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def _rows(connection: sa.Connection, items: Iterable[Any]) -> list[dict]:
    """The stage rows of open items (rows with id, agency_id, state, started_at,
    created_at, client_id, sop_version_id)."""
    items = [i for i in items if i.state in OPEN_STATES]
    if not items:
        return []
    zones = dict(
        connection.execute(
            sa.select(Client.id, Client.time_zone).where(
                Client.id.in_({i.client_id for i in items})
            )
        ).all()
    )
    definitions = dict(
        connection.execute(
            sa.select(SopVersion.id, SopVersion.definition).where(
                SopVersion.id.in_({i.sop_version_id for i in items})
            )
        ).all()
    )
    out = []
    for item in items:
        began = item.started_at or item.created_at or utcnow()
        stages = (definitions.get(item.sop_version_id) or {}).get("stages") or []
        for place, due in enumerate(stage_due_dates(began, zones[item.client_id], stages)):
            out.append(
                {
                    "agency_id": item.agency_id,
                    "work_item_id": item.id,
                    "place": place,
                    "stage_key": due.key[:80],
                    "stage_title": due.title[:200],
                    "due_at": due.due_at,
                }
            )
    return out


def rewrite(connection: sa.Connection, items: list[Any]) -> None:
    """Replace the stage rows of these items (see `_rows`)."""
    if not items:
        return
    table = WorkStageDue.__table__
    connection.execute(table.delete().where(table.c.work_item_id.in_([i.id for i in items])))
    rows = _rows(connection, items)
    if rows:
        connection.execute(table.insert(), rows)


@sa.event.listens_for(WorkItem, "after_insert")
def _item_written(_mapper: object, connection: sa.Connection, item: WorkItem) -> None:
    rewrite(connection, [item])


@sa.event.listens_for(WorkItem, "after_update")
def _item_changed(_mapper: object, connection: sa.Connection, item: WorkItem) -> None:
    state = sa.inspect(item)
    if any(state.attrs[name].history.has_changes() for name in WATCHED):
        rewrite(connection, [item])


@sa.event.listens_for(Client, "after_update")
def _zone_changed(_mapper: object, connection: sa.Connection, client: Client) -> None:
    if not sa.inspect(client).attrs.time_zone.history.has_changes():
        return
    items = connection.execute(
        sa.select(
            WorkItem.id,
            WorkItem.agency_id,
            WorkItem.state,
            WorkItem.started_at,
            WorkItem.created_at,
            WorkItem.client_id,
            WorkItem.sop_version_id,
        ).where(WorkItem.client_id == client.id, WorkItem.state.in_(OPEN_STATES))
    ).all()
    rewrite(connection, items)


def backfill_sql() -> str:
    """PostgreSQL that writes the stage rows of the open work items that have none: the
    business-day rule of `app.work.stage_dates` in SQL (the start's local day, moved to
    Monday from a weekend, plus whole weeks and the rest of the offset in weekdays; 17:00
    local)."""
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    evening = f"{END_OF_DAY.hour} hours {END_OF_DAY.minute} minutes"
    return f"""
INSERT INTO work_stage_dues (agency_id, work_item_id, place, stage_key, stage_title, due_at)
SELECT agency_id, id, place - 1, left(key, 80), left(title, 200),
       timezone(zone, (first + 7 * (off / 5)
                + CASE WHEN extract(isodow FROM first)::int - 1 + off % 5 >= 5
                       THEN off % 5 + 2 ELSE off % 5 END)::timestamp + interval '{evening}')
FROM (
    SELECT w.agency_id, w.id, s.place, s.stage ->> 'key' AS key,
           coalesce(s.stage ->> 'title', s.stage ->> 'key') AS title,
           coalesce((s.stage ->> 'due_offset_days')::int, 0) AS off, c.time_zone AS zone,
           d0 + CASE extract(isodow FROM d0) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END AS first
    FROM work_items w
    JOIN clients c ON c.id = w.client_id
    JOIN sop_versions v ON v.id = w.sop_version_id
    CROSS JOIN LATERAL (
        SELECT timezone(c.time_zone, coalesce(w.started_at, w.created_at))::date AS d0
    ) AS began
    CROSS JOIN LATERAL json_array_elements(v.definition::json -> 'stages')
        WITH ORDINALITY AS s(stage, place)
    WHERE w.state IN ({states})
      AND NOT EXISTS (SELECT 1 FROM work_stage_dues x WHERE x.work_item_id = w.id)
) AS stages
"""  # noqa: S608 - built from constants only


def backfill(connection: sa.Connection) -> None:
    """Write the stage rows of every open work item that has none: in SQL on PostgreSQL,
    item by item elsewhere (the embedded database is small)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(backfill_sql()))
        return
    done = sa.select(WorkStageDue.work_item_id)
    items = connection.execute(
        sa.select(
            WorkItem.id,
            WorkItem.agency_id,
            WorkItem.state,
            WorkItem.started_at,
            WorkItem.created_at,
            WorkItem.client_id,
            WorkItem.sop_version_id,
        ).where(WorkItem.state.in_(OPEN_STATES), WorkItem.id.not_in(done))
    ).all()
    rewrite(connection, items)
