"""Recurring work: a series makes one work item per cadence (weekly, fortnightly, monthly)
on a client from an SOP, numbered 1, 2, 3 ... within the series.

The first item is made with the series (the new-work form's "Repeats", or the API). Each
next item is made when the one before is delivered or, where the SOP says
`next_in_series: on_client_approval`, at the client's first approval of it; due one cadence
after it, from the SOP's current version, for the series' assignee and reviewer. It is made
exactly once: the series row is locked while the next number is looked for, and
(series_id, sequence) is unique as the last line. A paused or ended series makes nothing;
an assignee no longer on the client pauses it (audited) instead of failing the approval.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from app.audit.services import record
from app.clients.models import Assignment, Client
from app.clients.queries import agency_today, current_assignment_filter
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.work.models import WorkItem, WorkSeries
from app.work.services import (
    create_work_item,
    resolve_assignee,
    resolve_reviewer,
    resolve_sop_version,
    to_utc,
)

CADENCE_DAYS = {"weekly": 7, "fortnightly": 14}


def _add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def add_cadence(when: dt.datetime, cadence: str, zone: str) -> dt.datetime:
    """One cadence after `when`, on the client's wall clock (a weekly 9:00 stays 9:00 across
    a change of daylight saving time); monthly keeps the day of the month where it can."""
    local = when.astimezone(zoneinfo.ZoneInfo(zone))
    if cadence in CADENCE_DAYS:
        moved = local.replace(tzinfo=None) + dt.timedelta(days=CADENCE_DAYS[cadence])
    else:
        first = _add_months(local.date().replace(day=1), 1)
        last_day = (_add_months(first, 1) - dt.timedelta(days=1)).day
        day = first.replace(day=min(local.day, last_day))
        moved = dt.datetime.combine(day, local.time())
    return moved.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def render_title(pattern: str, due: dt.datetime, zone: str, sequence: int) -> str:
    """The item's title: {week} the Monday of its due week ("7 Dec"), {date} its due day,
    {month} its due month, {n} its number in the series."""
    local = due.astimezone(zoneinfo.ZoneInfo(zone)).date()
    monday = local - dt.timedelta(days=local.weekday())
    values = {
        "week": f"{monday.day} {monday:%b}",
        "date": local.isoformat(),
        "month": f"{local:%B %Y}",
        "n": str(sequence),
    }
    out = pattern
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out[:200]


def create_series(actor: Actor, client: Client, data: dict) -> tuple[WorkSeries, WorkItem]:
    """A series and its first item: `data` is a new work item's (its title is the series'
    pattern) with `repeats`, the cadence. The first item is due at `due_at` (required)."""
    if data.get("due_at") is None:
        raise ValidationFailed({"due_at": [gettext("A repeating item needs a due time.")]})
    version = resolve_sop_version(data["sop_version_id"])
    # Checked before the series is written (the item's own checks would come after it).
    assignee = resolve_assignee(actor, client, data["assignee_id"])
    resolve_reviewer(data["reviewer_id"], assignee_id=assignee.id)
    due = to_utc(data["due_at"], client.time_zone)
    assert due is not None
    series = WorkSeries(
        client_id=client.id,
        sop_id=version.sop_id,
        title_pattern=data["title"],
        cadence=data["repeats"],
        assignee_id=data["assignee_id"],
        reviewer_id=data["reviewer_id"],
        next_due_at=due,
        status="active",
        created_by_id=actor.user_id,
    )
    db.session.add(series)
    db.session.flush()
    item = _make_item(actor, series, client, version, sequence=1, extra=data)
    record(
        actor,
        "work_series.created",
        series,
        summary=f"Series {series.title_pattern} ({series.cadence}) created for {client.name}",
        after={"cadence": series.cadence, "sop_id": series.sop_id},
    )
    return series, item


def _make_item(
    actor: Actor,
    series: WorkSeries,
    client: Client,
    version: SopVersion,
    *,
    sequence: int,
    extra: dict | None = None,
) -> WorkItem:
    due = series.next_due_at
    body = {
        key: value
        for key, value in (extra or {}).items()
        if key in ("description", "urgent", "important", "estimate_minutes")
    }
    body.update(
        title=render_title(series.title_pattern, due, client.time_zone, sequence),
        sop_version_id=version.id,
        assignee_id=series.assignee_id,
        reviewer_id=series.reviewer_id,
        due_at=due,
    )
    item = create_work_item(actor, client, body)
    item.series_id = series.id
    item.sequence = sequence
    series.next_due_at = add_cadence(due, series.cadence, client.time_zone)
    db.session.flush()
    return item


def make_next_item(actor: Actor, item: WorkItem) -> WorkItem | None:
    """The next item of the item's series, once: None when the item is in no series, the
    series is not active, or the next item exists already."""
    if item.series_id is None or item.sequence is None:
        return None
    # The lock makes a racing approval wait here, then see the item this one made.
    series = db.session.scalar(
        sa.select(WorkSeries)
        .where(WorkSeries.id == item.series_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if series is None or series.status != "active":
        return None
    taken = db.session.scalar(
        sa.select(WorkItem.id).where(
            WorkItem.series_id == series.id, WorkItem.sequence == item.sequence + 1
        )
    )
    if taken is not None:
        return None
    client = db.session.get(Client, series.client_id)
    sop = db.session.get(Sop, series.sop_id)
    version = db.session.get(SopVersion, sop.current_version_id) if sop else None
    try:
        with db.session.begin_nested():
            if version is None or sop is None or sop.archived_at is not None:
                raise Conflict(gettext("The series' SOP is archived."))
            return _make_item(actor, series, client, version, sequence=item.sequence + 1)
    except (Conflict, ValidationFailed):
        # The approval stands; the series waits for a manager (e.g. a VA left the client).
        series.status = "paused"
        db.session.flush()
        record(
            actor,
            "work_series.paused",
            series,
            summary=f"Series {series.title_pattern} paused: its next item could not be made",
            after={"status": "paused"},
        )
        return None


def next_in_series_rule(item: WorkItem) -> str:
    return item.sop_version.definition.get("next_in_series") or "on_delivery"


def after_client_approval(actor: Actor, item: WorkItem) -> None:
    """The client approved the item (a stage or the whole): the next item where the SOP
    says so."""
    if next_in_series_rule(item) == "on_client_approval":
        make_next_item(actor, item)


def after_delivery(actor: Actor, item: WorkItem) -> None:
    """The item was delivered: the next item, unless the SOP made it at approval (then
    this finds it made and does nothing)."""
    make_next_item(actor, item)


def set_series_status(actor: Actor, series: WorkSeries, status: str) -> WorkSeries:
    """Pause, resume or end a series; an ended series stays ended."""
    if series.status == "ended":
        raise Conflict(gettext("This series has ended; create a new one to start again."))
    before = series.status
    series.status = status
    db.session.flush()
    record(
        actor,
        f"work_series.{status}",
        series,
        summary=f"Series {series.title_pattern}: {before} -> {status}",
        before={"status": before},
        after={"status": status},
    )
    return series


def update_series(actor: Actor, series: WorkSeries, data: dict) -> WorkSeries:
    """Change what the next items are made with; items made already keep theirs."""
    if series.status == "ended":
        raise Conflict(gettext("This series has ended; create a new one to start again."))
    before = {k: getattr(series, k) for k in ("title_pattern", "cadence", "assignee_id")}
    client = series.client
    assignee_id = data.get("assignee_id", series.assignee_id)
    if "assignee_id" in data:
        resolve_assignee(actor, client, assignee_id)
    if "reviewer_id" in data:
        resolve_reviewer(data["reviewer_id"], assignee_id=assignee_id)
    cadence_changed = "cadence" in data and data["cadence"] != series.cadence
    for key in ("title_pattern", "cadence", "assignee_id", "reviewer_id"):
        if key in data:
            setattr(series, key, data[key])
    if cadence_changed:
        # The next item comes one new cadence after the last one made.
        last_due = db.session.scalar(
            sa.select(WorkItem.due_at)
            .where(WorkItem.series_id == series.id)
            .order_by(WorkItem.sequence.desc())
            .limit(1)
        )
        if last_due is not None:
            series.next_due_at = add_cadence(last_due, series.cadence, client.time_zone)
    db.session.flush()
    after = {k: getattr(series, k) for k in before}
    record(actor, "work_series.updated", series, summary=f"Series {series.title_pattern} changed",
           before=before, after=after)  # fmt: skip
    return series


def series_items_count(series_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(WorkItem).where(WorkItem.series_id == series_id)
        )
        or 0
    )


# --- read side ---------------------------------------------------------------------------


def visible_series(actor: Actor) -> sa.Select:
    """Series the actor may see: the staff who see the clients' work (a VA, their current
    clients'); client contacts see the items, not the schedule."""
    stmt = sa.select(WorkSeries)
    if actor.role in ("owner", "manager", "qa"):
        return stmt
    if actor.role == "va":
        current = sa.select(Assignment.client_id).where(
            Assignment.membership_id == actor.membership.id,
            current_assignment_filter(agency_today(actor)),
        )
        return stmt.where(WorkSeries.client_id.in_(current))
    return stmt.where(sa.false())


def get_series_or_404(actor: Actor, series_id: int) -> WorkSeries:
    """A series the actor may see, or 404 (another agency's id is simply not found)."""
    found = db.session.scalar(
        visible_series(actor)
        .where(WorkSeries.id == series_id)
        .options(joinedload(WorkSeries.client), joinedload(WorkSeries.assignee))
    )
    if found is None:
        raise NotFound()
    return found


def client_series(actor: Actor, client_id: int) -> list[WorkSeries]:
    """The client's series, active first, with their people (one query)."""
    return list(
        db.session.scalars(
            visible_series(actor)
            .where(WorkSeries.client_id == client_id)
            .options(
                joinedload(WorkSeries.client),
                joinedload(WorkSeries.assignee),
                joinedload(WorkSeries.reviewer),
            )
            .order_by(WorkSeries.status, WorkSeries.next_due_at, WorkSeries.id)
        ).unique()
    )


def series_items(series: WorkSeries) -> list[WorkItem]:
    return list(
        db.session.scalars(
            sa.select(WorkItem).where(WorkItem.series_id == series.id).order_by(WorkItem.sequence)
        )
    )
