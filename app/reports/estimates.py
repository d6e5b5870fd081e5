"""Estimates against actual time: how long delivered work took per SOP version, and how close
the estimates were per VA and per SOP.

Definitions:

- an item's *actual time* is the sum of its finished time entries (everyone's; a running
  timer is left out); only delivered items with some time count (work still open would
  look quicker than it is);
- an item's *ratio* is actual time / its estimate (items with an estimate only); it is
  *within ±20 %* when 0.8 <= ratio <= 1.2, compared in whole numbers so an item exactly
  on the edge counts the same on every database;
- per VA means per the item's assignee, per SOP per the item's SOP;
- the actual time of an SOP version is over its latest `SAMPLE` delivered items with time
  (by delivery): the practice as it is now, read through an index at any agency's size.

Medians and quartiles are PostgreSQL's `percentile_cont` (linear interpolation); every
grouping of a report is one statement there (GROUPING SETS). SQLite (the embedded default)
has neither, so there the per-item rows are read in one statement and the same figures
computed here with the same formula (app.boards.quality.percentile).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.boards.quality import percentile
from app.core.clock import utcnow
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.reports.policy import can_see_estimates
from app.reports.queries import sop_titles
from app.time.models import TimeEntry
from app.users.models import Membership, User
from app.work.models import WorkItem

WITHIN = (0.8, 1.2)
SAMPLE = 500  # delivered items of an SOP version its actual time is taken over (the latest)


def _in_sql(in_sql: bool | None) -> bool:
    if in_sql is None:
        return db.session.get_bind().dialect.name == "postgresql"
    return in_sql


def _per_item(since: dt.datetime | None = None, *, estimated: bool = False) -> sa.Subquery:
    """Delivered items with time: id, assignee, SOP, SOP version, estimate, actual seconds."""
    actual = sa.func.sum(sa.func.coalesce(TimeEntry.duration_seconds, 0))
    stmt = (
        sa.select(
            WorkItem.id.label("item_id"),
            WorkItem.assignee_id.label("assignee_id"),
            WorkItem.sop_id.label("sop_id"),
            WorkItem.sop_version_id.label("sop_version_id"),
            WorkItem.estimate_minutes.label("estimate_minutes"),
            WorkItem.delivered_at.label("delivered_at"),
            actual.label("actual_seconds"),
        )
        .join(TimeEntry, TimeEntry.work_item_id == WorkItem.id)
        .where(WorkItem.delivered_at.is_not(None), WorkItem.cancelled_at.is_(None))
        .group_by(WorkItem.id)
        .having(actual > 0)
    )
    if since is not None:
        stmt = stmt.where(WorkItem.delivered_at >= since)
    if estimated:
        stmt = stmt.where(WorkItem.estimate_minutes > 0)
    return stmt.subquery("per_item")


# --- actual time per SOP version ----------------------------------------------------------


@dataclass
class Spread:
    """Actual time of the delivered items of one SOP version, in seconds."""

    items: int
    median: float | None
    p25: float | None
    p75: float | None
    low: float | None
    high: float | None

    @property
    def median_minutes(self) -> float | None:
        return None if self.median is None else self.median / 60


def spread_of(values: list[float]) -> Spread:
    return Spread(
        items=len(values),
        median=percentile(values, 0.5),
        p25=percentile(values, 0.25),
        p75=percentile(values, 0.75),
        low=min(values) if values else None,
        high=max(values) if values else None,
    )


def sop_version_spreads(
    actor: Actor, version_ids: Iterable[int] | None = None, *, in_sql: bool | None = None
) -> dict[int, Spread]:
    """{SOP version id: Spread} in one statement (owners and managers; nobody else sees
    anyone's time this way)."""
    if not can_see_estimates(actor):
        return {}
    wanted = None if version_ids is None else sorted(set(version_ids))
    if wanted == []:
        return {}
    if _in_sql(in_sql):
        per_item = _latest_per_version(wanted)
        seconds = per_item.c.actual_seconds
        stmt = sa.select(
            per_item.c.sop_version_id,
            sa.func.count(),
            sa.func.percentile_cont(0.5).within_group(seconds),
            sa.func.percentile_cont(0.25).within_group(seconds),
            sa.func.percentile_cont(0.75).within_group(seconds),
            sa.func.min(seconds),
            sa.func.max(seconds),
        ).group_by(per_item.c.sop_version_id)
        return {
            vid: Spread(n, _f(med), _f(p25), _f(p75), _f(low), _f(high))
            for vid, n, med, p25, p75, low, high in db.session.execute(stmt).all()
        }
    per_item = _per_item()
    where = [] if wanted is None else [per_item.c.sop_version_id.in_(wanted)]
    grouped: dict[int, list[tuple]] = {}
    for vid, delivered, item_id, value in db.session.execute(
        sa.select(
            per_item.c.sop_version_id,
            per_item.c.delivered_at,
            per_item.c.item_id,
            per_item.c.actual_seconds,
        ).where(*where)
    ).all():
        grouped.setdefault(vid, []).append((delivered, item_id, float(value)))
    return {
        vid: spread_of([value for *_, value in sorted(rows, reverse=True)[:SAMPLE]])
        for vid, rows in grouped.items()
    }


def _latest_per_version(version_ids: list[int] | None) -> sa.Subquery:
    """PostgreSQL: the latest SAMPLE delivered items with time of each version (a LATERAL
    read of ix_work_items_sop_version_delivered per version) and their actual seconds."""
    if version_ids is None:
        version_ids = list(
            db.session.scalars(
                sa.select(WorkItem.sop_version_id)
                .where(WorkItem.sop_version_id.is_not(None))
                .distinct()
            )
        )
    versions = sa.values(sa.column("vid", sa.Integer), name="versions").data(
        [(v,) for v in version_ids] or [(0,)]
    )
    timed = sa.exists().where(TimeEntry.work_item_id == WorkItem.id, TimeEntry.duration_seconds > 0)
    latest = (
        sa.select(WorkItem.id.label("item_id"), WorkItem.sop_version_id.label("sop_version_id"))
        .where(
            WorkItem.sop_version_id == versions.c.vid,
            WorkItem.delivered_at.is_not(None),
            WorkItem.cancelled_at.is_(None),
            timed,
        )
        .order_by(WorkItem.delivered_at.desc(), WorkItem.id.desc())
        .limit(SAMPLE)
        .lateral("latest")
    )
    actual = sa.func.sum(sa.func.coalesce(TimeEntry.duration_seconds, 0))
    return (
        sa.select(latest.c.sop_version_id, latest.c.item_id, actual.label("actual_seconds"))
        .select_from(versions)
        .join(latest, sa.true())
        .join(TimeEntry, TimeEntry.work_item_id == latest.c.item_id)
        .group_by(latest.c.sop_version_id, latest.c.item_id)
        .subquery("per_item")
    )


def _f(value: object) -> float | None:
    return None if value is None else round(float(value), 1)  # type: ignore[arg-type]


# --- estimate accuracy ---------------------------------------------------------------------


@dataclass
class Accuracy:
    """How close estimates were for one group (a VA, an SOP, or everyone)."""

    key: int | None = None
    label: str = ""
    items: int = 0
    median_ratio: float | None = None
    within: int = 0
    under: int = 0
    over: int = 0

    @property
    def within_share(self) -> float | None:
        return self.within / self.items if self.items else None

    @property
    def within_percent(self) -> int | None:
        share = self.within_share
        return None if share is None else round(100 * share)

    @property
    def median_percent(self) -> int | None:
        return None if self.median_ratio is None else round(100 * self.median_ratio)


@dataclass
class EstimateReport:
    days: int
    since: dt.datetime
    overall: Accuracy
    by_va: list[Accuracy] = field(default_factory=list)
    by_sop: list[Accuracy] = field(default_factory=list)


def _within(actual: sa.ColumnElement, estimate: sa.ColumnElement) -> sa.ColumnElement:
    # 0.8 <= actual / (estimate * 60) <= 1.2, in whole numbers: 5 actual vs 240 / 360 estimate.
    return sa.and_(5 * actual >= 240 * estimate, 5 * actual <= 360 * estimate)


def classify(actual_seconds: float, estimate_minutes: int) -> str:
    """Whether an item was "within", "under" or "over" (the Python side of `_within`)."""
    if 5 * actual_seconds < 240 * estimate_minutes:
        return "under"
    if 5 * actual_seconds > 360 * estimate_minutes:
        return "over"
    return "within"


def _accuracy_rows(since: dt.datetime, in_sql: bool) -> list[tuple[str, int | None, Accuracy]]:
    """("overall" | "va" | "sop", key, figures) rows."""
    per_item = _per_item(since, estimated=True)
    actual, estimate = per_item.c.actual_seconds, per_item.c.estimate_minutes
    if in_sql:
        ratio = sa.cast(actual, sa.Float) / (estimate * 60.0)
        one = sa.literal_column("1")
        zero = sa.literal_column("0")
        stmt = sa.select(
            per_item.c.assignee_id,
            per_item.c.sop_id,
            sa.func.grouping(per_item.c.assignee_id),
            sa.func.grouping(per_item.c.sop_id),
            sa.func.count(),
            sa.func.percentile_cont(0.5).within_group(ratio),
            sa.func.sum(sa.case((_within(actual, estimate), one), else_=zero)),
            sa.func.sum(sa.case((5 * actual < 240 * estimate, one), else_=zero)),
            sa.func.sum(sa.case((5 * actual > 360 * estimate, one), else_=zero)),
        ).group_by(
            sa.func.grouping_sets(
                sa.tuple_(per_item.c.assignee_id), sa.tuple_(per_item.c.sop_id), sa.tuple_()
            )
        )
        out = []
        for va, sop, va_set, sop_set, n, median, within, under, over in db.session.execute(
            stmt
        ).all():
            kind, key = ("va", va) if va_set == 0 else ("sop", sop) if sop_set == 0 else ("", None)
            figures = Accuracy(
                key=key,
                items=int(n),
                median_ratio=None if median is None else round(float(median), 4),
                within=int(within or 0),
                under=int(under or 0),
                over=int(over or 0),
            )
            out.append((kind or "overall", key, figures))
        return out
    items = db.session.execute(
        sa.select(per_item.c.assignee_id, per_item.c.sop_id, actual, estimate)
    ).all()
    return accuracy_in_python(items)


def accuracy_in_python(
    items: Iterable[tuple[int | None, int | None, float, int]],
) -> list[tuple[str, int | None, Accuracy]]:
    """The same rows as the SQL from (assignee, SOP, actual seconds, estimate minutes)."""
    groups: dict[tuple[str, int | None], list[tuple[float, int]]] = {}
    for va, sop, actual, estimate in items:
        for group in (("overall", None), ("va", va), ("sop", sop)):
            groups.setdefault(group, []).append((float(actual), int(estimate)))
    out = []
    for (kind, key), values in groups.items():
        kinds = [classify(a, e) for a, e in values]
        ratios = [a / (e * 60) for a, e in values]
        median = percentile(ratios, 0.5)
        figures = Accuracy(
            key=key,
            items=len(values),
            median_ratio=None if median is None else round(median, 4),
            within=kinds.count("within"),
            under=kinds.count("under"),
            over=kinds.count("over"),
        )
        out.append((kind, key, figures))
    return out


def _member_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id.in_(wanted))
    ).all()
    return {r.id: r.name for r in rows}


def estimate_report(
    actor: Actor, days: int = 90, now: dt.datetime | None = None, *, in_sql: bool | None = None
) -> EstimateReport:
    """Estimate accuracy overall, per VA and per SOP over the items delivered in the last
    `days` days: one aggregate statement, and one each for the VAs' names and SOP titles."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    overall = Accuracy(label=gettext("Everyone"))
    if not can_see_estimates(actor):
        return EstimateReport(days, since, overall)
    rows = _accuracy_rows(since, _in_sql(in_sql))
    by_va = {key: f for kind, key, f in rows if kind == "va"}
    by_sop = {key: f for kind, key, f in rows if kind == "sop"}
    for kind, _key, figures in rows:
        if kind == "overall":
            figures.label = overall.label
            overall = figures
    names = _member_names(by_va)
    titles = sop_titles([k for k in by_sop if k is not None])
    for key, figures in by_va.items():
        figures.label = names.get(key, gettext("Unassigned")) if key else gettext("Unassigned")
    for key, figures in by_sop.items():
        figures.label = titles.get(key, gettext("Unknown SOP")) if key else gettext("Unknown SOP")

    def ordered(groups: dict[int | None, Accuracy]) -> list[Accuracy]:
        return sorted(groups.values(), key=lambda f: (-f.items, f.label.lower()))

    return EstimateReport(days, since, overall, ordered(by_va), ordered(by_sop))
