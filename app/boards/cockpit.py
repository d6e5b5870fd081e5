"""The cockpit's work tiles: deadlines of this week and first-pass quality (owners and
managers; the figures of the agency they see, as the boards count them)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from flask import current_app, url_for

from app.boards.quality import approval_totals, period_start, roll_up
from app.boards.queries import visible_items
from app.core.clock import utcnow
from app.core.cockpit import Tile, cockpit_tile
from app.core.formatting import format_number, format_percent
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.extensions import db
from app.timesheets.queries import week_start_of
from app.work.models import OPEN_STATES, WorkItem

QUALITY_DAYS = 30
# Below this share of items passing QA the first time, the quality tile asks for attention.
FPY_WATCH = 80


def week_bounds(zone: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """This week of the agency (its first weekday, its zone) as UTC instants [start, end)."""
    tz = zoneinfo.ZoneInfo(zone)
    first = week_start_of(now.astimezone(tz).date())
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(first + dt.timedelta(days=7), dt.time(), tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@cockpit_tile(20)
def deadlines_tile(actor: Actor) -> Tile | None:
    """Open work due this week, and how much of it is already late."""
    if not actor.is_manager:
        return None
    now = utcnow()
    start, end = week_bounds(actor.agency.time_zone, now)
    due = sa.and_(WorkItem.due_at >= start, WorkItem.due_at < end)
    late = WorkItem.due_at < now
    counts = (
        visible_items(actor)
        .with_only_columns(
            sa.func.count().filter(due),
            sa.func.count().filter(sa.and_(due, late)),
        )
        .where(WorkItem.state.in_(OPEN_STATES), WorkItem.due_at < end)
        .order_by(None)
    )
    this_week, overdue = db.session.execute(counts).one()
    slug = actor.agency.slug
    if "calendar.calendar" in current_app.view_functions:
        href = url_for("calendar.calendar", agency_slug=slug, view="week")
    else:
        href = url_for("screens.work_list", agency_slug=slug, sort="due")
    return Tile(
        key="deadlines",
        label=gettext("Deadlines this week"),
        value=format_number(this_week),
        detail=ngettext("%(num)d already late", "%(num)d already late", overdue)
        if overdue
        else gettext("None late"),
        tone="danger" if overdue else "",
        icon="calendar-event",
        href=href,
    )


@cockpit_tile(30)
def quality_tile(actor: Actor) -> Tile | None:
    """First-pass yield of the last 30 days: items that passed QA the first time."""
    if not actor.is_manager:
        return None
    overall, _by_va, _by_sop = roll_up([approval_totals(actor, period_start(QUALITY_DAYS))])
    percent = overall.fpy_percent
    return Tile(
        key="quality",
        label=gettext("First-pass yield, last %(days)d days", days=QUALITY_DAYS),
        value=format_percent(percent / 100) if percent is not None else "—",
        detail=ngettext("%(num)d item approved", "%(num)d items approved", overall.approved),
        tone=("warning" if percent < FPY_WATCH else "success") if percent is not None else "",
        icon="patch-check",
        percent=percent,
        href=url_for("screens.quality", agency_slug=actor.agency.slug, days=QUALITY_DAYS),
    )
