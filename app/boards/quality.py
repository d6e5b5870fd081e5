"""Quality figures for owners and managers: first-pass yield, rework rounds, review turnaround.

Definitions (over a period, e.g. the last 30 days):

- an item counts once it is *approved by QA in the period* (an `approved` review created
  in it); it passed *first time* if it has no `changes_requested` review at all;
- first-pass yield = items passed first time / items approved;
- rework rounds of an item = its `changes_requested` reviews; the average is over the
  approved items;
- review turnaround = `Review.waited_seconds` (submission -> decision) of the QA decisions
  (approved or changes requested) made in the period: median and 90th percentile, with
  linear interpolation (PostgreSQL's `percentile_cont`; the same formula in Python on
  other databases).

Per VA means per the item's assignee, per SOP per the SOP of the item's version, per
reviewer per the review's author. Counting is done in SQL (one statement grouped by VA and
SOP, rolled up here); percentiles are computed in SQL on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.sops.localize import localized_titles
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work.models import Review, WorkItem

PERIODS = (30, 90)
QA_OUTCOMES = ("approved", "changes_requested")
GROUPINGS = ("assignee", "sop", "reviewer")


# --- pure functions -------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` (0..1) percentile of `values` with linear interpolation between the
    closest ranks, exactly like PostgreSQL's percentile_cont; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    if lower == upper:
        return float(ordered[lower])
    weight = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * weight


def human_duration(seconds: float | None) -> str:
    """A duration as people say it: '45 s', '12 min', '3 h 12 min', '2 d 5 h'."""
    if seconds is None:
        return "—"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return gettext("%(s)d s", s=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return gettext("%(min)d min", min=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return gettext("%(h)d h %(min)d min", h=hours, min=minutes)
        return gettext("%(h)d h", h=hours)
    days, hours = divmod(hours, 24)
    return gettext("%(d)d d %(h)d h", d=days, h=hours) if hours else gettext("%(d)d d", d=days)


@dataclass
class Figures:
    """Quality figures of one group (a VA, an SOP, a reviewer or everyone)."""

    key: int | None = None
    label: str = ""
    approved: int = 0
    first_pass: int = 0
    rework_rounds: int = 0
    reviews: int = 0
    median_wait: float | None = None
    p90_wait: float | None = None

    @property
    def first_pass_yield(self) -> float | None:
        """Share (0..1) of approved items that passed their first review; None if none."""
        return self.first_pass / self.approved if self.approved else None

    @property
    def average_rework(self) -> float | None:
        return self.rework_rounds / self.approved if self.approved else None

    @property
    def fpy_percent(self) -> int | None:
        fpy = self.first_pass_yield
        return None if fpy is None else round(100 * fpy)


@dataclass
class Cell:
    """Approved items of one (VA, SOP) pair: how many, how many first time, rework rounds."""

    assignee_id: int | None
    sop_id: int | None
    approved: int
    first_pass: int
    rework_rounds: int


def roll_up(
    cells: Iterable[Cell],
) -> tuple[Figures, dict[int | None, Figures], dict[int | None, Figures]]:
    """Overall, per-VA and per-SOP counts from the (VA, SOP) cells."""
    overall = Figures(label=gettext("Everyone"))
    by_va: dict[int | None, Figures] = {}
    by_sop: dict[int | None, Figures] = {}
    for cell in cells:
        for target in (
            overall,
            by_va.setdefault(cell.assignee_id, Figures(key=cell.assignee_id)),
            by_sop.setdefault(cell.sop_id, Figures(key=cell.sop_id)),
        ):
            target.approved += cell.approved
            target.first_pass += cell.first_pass
            target.rework_rounds += cell.rework_rounds
    return overall, by_va, by_sop


def turnaround_by_key(
    rows: Iterable[tuple[int | None, float]],
) -> dict[int | None, tuple[int, float | None, float | None]]:
    """(key, waited seconds) rows -> {key: (reviews, median, p90)} (the non-PostgreSQL path)."""
    grouped: dict[int | None, list[float]] = {}
    for key, waited in rows:
        grouped.setdefault(key, []).append(waited)
    return {
        key: (len(values), _seconds(percentile(values, 0.5)), _seconds(percentile(values, 0.9)))
        for key, values in grouped.items()
    }


# --- queries ---------------------------------------------------------------------------------


def period_start(days: int, now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=days)


def _approved_with_rework(since: dt.datetime) -> tuple[Any, Any]:
    """The items approved since `since` (a CTE) and the rework rounds (changes requested)
    of those items only (a subquery on them, joined; no subquery per item)."""
    approved = (
        sa.select(Review.work_item_id)
        .where(Review.outcome == "approved", Review.created_at >= since)
        .group_by(Review.work_item_id)
        .cte("approved_items")
    )
    rework = (
        sa.select(Review.work_item_id, sa.func.count().label("rounds"))
        .join(approved, approved.c.work_item_id == Review.work_item_id)
        .where(Review.outcome == "changes_requested")
        .group_by(Review.work_item_id)
        .subquery("rework")
    )
    return approved, rework


def approval_cells(actor: Actor, since: dt.datetime) -> list[Cell]:
    """One statement: items approved since `since`, counted per (VA, SOP), with the rework
    rounds each went through."""
    approved, rework = _approved_with_rework(since)
    rows = db.session.execute(
        sa.select(
            WorkItem.assignee_id,
            WorkItem.sop_id,
            sa.func.count(),
            sa.func.count().filter(rework.c.rounds.is_(None)),
            sa.func.coalesce(sa.func.sum(rework.c.rounds), 0),
        )
        .select_from(approved)
        .join(WorkItem, WorkItem.id == approved.c.work_item_id)
        .outerjoin(rework, rework.c.work_item_id == approved.c.work_item_id)
        .group_by(WorkItem.assignee_id, WorkItem.sop_id)
    ).all()
    return [Cell(a, s, n, int(fp or 0), int(rw or 0)) for a, s, n, fp, rw in rows]


def approval_totals(actor: Actor, since: dt.datetime) -> Cell:
    """One statement: the agency's items approved since `since`, how many the first time and
    their rework rounds, all together (the cockpit's tile: from the reviews alone, without
    reading the items)."""
    approved, rework = _approved_with_rework(since)
    n, fp, rw = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(rework.c.rounds.is_(None)),
            sa.func.coalesce(sa.func.sum(rework.c.rounds), 0),
        )
        .select_from(approved)
        .outerjoin(rework, rework.c.work_item_id == approved.c.work_item_id)
    ).one()
    return Cell(None, None, int(n or 0), int(fp or 0), int(rw or 0))


def _group_column(grouping: str | None) -> sa.ColumnElement | None:
    return {
        "assignee": WorkItem.assignee_id,
        "sop": SopVersion.sop_id,
        "reviewer": Review.reviewer_id,
        None: None,
    }[grouping]


def turnaround(
    actor: Actor, since: dt.datetime, grouping: str | None, *, in_sql: bool | None = None
) -> dict[int | None, tuple[int, float | None, float | None]]:
    """One statement: {group key: (reviews, median, p90 of waited seconds)} of the QA
    decisions made since `since`, grouped by assignee, sop, reviewer or not at all (key
    None). Percentiles are computed by the database on PostgreSQL (`in_sql` defaults to
    that), otherwise here from the waited seconds."""
    key = _group_column(grouping)
    key_col = (key if key is not None else sa.null()).label("group_key")
    waited = Review.waited_seconds
    base = (
        sa.select(key_col)
        .select_from(Review)
        .join(WorkItem, WorkItem.id == Review.work_item_id)
        .join(SopVersion, SopVersion.id == WorkItem.sop_version_id)
        .where(
            Review.outcome.in_(QA_OUTCOMES),
            Review.created_at >= since,
            waited.is_not(None),
        )
    )
    if in_sql is None:
        in_sql = db.session.get_bind().dialect.name == "postgresql"
    if in_sql:
        stmt = base.add_columns(
            sa.func.count(Review.id),
            sa.func.percentile_cont(0.5).within_group(waited),
            sa.func.percentile_cont(0.9).within_group(waited),
        )
        if key is not None:
            stmt = stmt.group_by(key)
        return {
            k: (n, _seconds(med), _seconds(p90))
            for k, n, med, p90 in db.session.execute(stmt).all()
            if n
        }
    return turnaround_by_key(db.session.execute(base.add_columns(waited)).all())


def _seconds(value: float | None) -> float | None:
    """Seconds to a tenth: both paths agree and float noise never shows."""
    return None if value is None else round(float(value), 1)


def _member_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    rows = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id.in_(wanted))
    ).all()
    return {r.id: r.name for r in rows}


def _sop_titles(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    rows = db.session.execute(
        sa.select(Sop.id, Sop.title, SopVersion.definition)
        .outerjoin(SopVersion, SopVersion.id == Sop.current_version_id)
        .where(Sop.id.in_(wanted))
    ).all()
    # In the reader's language where the SOP's current version is translated.
    return localized_titles((r.id, r.definition or {"title": r.title}) for r in rows)


@dataclass
class QualityReport:
    days: int
    since: dt.datetime
    overall: Figures
    by_va: list[Figures] = field(default_factory=list)
    by_sop: list[Figures] = field(default_factory=list)
    by_reviewer: list[Figures] = field(default_factory=list)


def _apply_turnaround(
    figures: Figures, found: tuple[int, float | None, float | None] | None
) -> None:
    if found:
        figures.reviews, figures.median_wait, figures.p90_wait = found


def quality_report(actor: Actor, days: int = 30, now: dt.datetime | None = None) -> QualityReport:
    """Every figure of the quality page, in seven statements whatever the data size."""
    since = period_start(days, now)
    if not actor.is_manager:
        return QualityReport(days, since, Figures(label=gettext("Everyone")))
    overall, by_va, by_sop = roll_up(approval_cells(actor, since))
    _apply_turnaround(overall, turnaround(actor, since, None).get(None))
    va_turn = turnaround(actor, since, "assignee")
    sop_turn = turnaround(actor, since, "sop")
    reviewer_turn = turnaround(actor, since, "reviewer")
    for key in va_turn:
        by_va.setdefault(key, Figures(key=key))
    for key in sop_turn:
        by_sop.setdefault(key, Figures(key=key))
    by_reviewer = {key: Figures(key=key) for key in reviewer_turn}
    names = _member_names({*by_va, *by_reviewer})
    titles = _sop_titles(by_sop)
    for key, figures in by_va.items():
        figures.label = (
            names.get(key, gettext("Unassigned")) if key is not None else gettext("Unassigned")
        )
        _apply_turnaround(figures, va_turn.get(key))
    for key, figures in by_sop.items():
        figures.label = (
            titles.get(key, gettext("Unknown SOP")) if key is not None else gettext("Unknown SOP")
        )
        _apply_turnaround(figures, sop_turn.get(key))
    for key, figures in by_reviewer.items():
        figures.label = (
            names.get(key, gettext("Former member"))
            if key is not None
            else gettext("Former member")
        )
        _apply_turnaround(figures, reviewer_turn.get(key))

    def ordered(groups: dict[int | None, Figures]) -> list[Figures]:
        return sorted(groups.values(), key=lambda f: (-f.approved, -f.reviews, f.label.lower()))

    return QualityReport(
        days=days,
        since=since,
        overall=overall,
        by_va=ordered(by_va),
        by_sop=ordered(by_sop),
        by_reviewer=ordered(by_reviewer),
    )
