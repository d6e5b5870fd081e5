"""Satisfaction figures: the CSAT average (1-5) and the Net Promoter Score (% of 9-10 minus
% of 0-6, from -100 to 100) of answered surveys, overall and per client, VA (the delivered
item's assignee), SOP, month (agency zone) and NPS quarter.

Every breakdown is one grouped statement, so the page costs the same whatever the number
of surveys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.clients.models import Client
from app.core.clock import utcnow
from app.extensions import db
from app.sops.models import Sop
from app.surveys.models import Survey
from app.users.models import Membership, User
from app.work.models import WorkItem

TILE_DAYS = 90
PAGE_MONTHS = 12


@dataclass(frozen=True)
class Figure:
    """One row of a breakdown: CSAT average and count, NPS and count."""

    key: str
    label: str
    csat: float | None = None
    csat_count: int = 0
    nps: int | None = None
    nps_count: int = 0


def nps_of(promoters: int, detractors: int, total: int) -> int | None:
    """The Net Promoter Score of `total` answers (None without any)."""
    if not total:
        return None
    return round(100 * (promoters - detractors) / total)


def _columns() -> list:
    csat = Survey.kind == "csat"
    nps = Survey.kind == "nps"
    return [
        sa.func.avg(Survey.score).filter(csat).label("csat"),
        sa.func.count(Survey.id).filter(csat).label("csat_count"),
        sa.func.count(Survey.id).filter(nps, Survey.score >= 9).label("promoters"),
        sa.func.count(Survey.id).filter(nps, Survey.score <= 6).label("detractors"),
        sa.func.count(Survey.id).filter(nps).label("nps_count"),
    ]


def _figure(key: str, label: str, row) -> Figure:
    return Figure(
        key=key,
        label=label,
        csat=round(float(row.csat), 2) if row.csat is not None else None,
        csat_count=row.csat_count,
        nps=nps_of(row.promoters, row.detractors, row.nps_count),
        nps_count=row.nps_count,
    )


def _answered_since(since: dt.datetime) -> list:
    return [Survey.answered_at.is_not(None), Survey.answered_at >= since]


def overall(now: dt.datetime | None = None, days: int = TILE_DAYS) -> Figure:
    """CSAT and NPS of the answers of the last `days` days (the cockpit tile)."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    row = db.session.execute(sa.select(*_columns()).where(*_answered_since(since))).one()
    return _figure("all", "", row)


def _grouped(stmt: sa.Select, since: dt.datetime) -> list:
    return db.session.execute(stmt.where(*_answered_since(since))).all()


def by_client(since: dt.datetime) -> list[Figure]:
    stmt = (
        sa.select(Client.id, Client.name, *_columns())
        .join(Client, Client.id == Survey.client_id)
        .group_by(Client.id, Client.name)
        .order_by(Client.name, Client.id)
    )
    return [_figure(str(r.id), r.name, r) for r in _grouped(stmt, since)]


def by_va(since: dt.datetime) -> list[Figure]:
    """CSAT per assignee of the delivered item (NPS is about the agency, not one VA)."""
    stmt = (
        sa.select(Membership.id, User.name, *_columns())
        .join(WorkItem, WorkItem.id == Survey.work_item_id)
        .join(Membership, Membership.id == WorkItem.assignee_id)
        .join(User, User.id == Membership.user_id)
        .group_by(Membership.id, User.name)
        .order_by(User.name, Membership.id)
    )
    return [_figure(str(r.id), r.name, r) for r in _grouped(stmt, since)]


def by_sop(since: dt.datetime) -> list[Figure]:
    stmt = (
        sa.select(Sop.id, Sop.title, *_columns())
        .join(WorkItem, WorkItem.id == Survey.work_item_id)
        .join(Sop, Sop.id == WorkItem.sop_id)
        .group_by(Sop.id, Sop.title)
        .order_by(Sop.title, Sop.id)
    )
    return [_figure(str(r.id), r.title, r) for r in _grouped(stmt, since)]


def by_month(since: dt.datetime, zone: str) -> list[Figure]:
    """Per month of the answer, in the agency's zone ("2026-11"), oldest first."""
    month = sa.func.to_char(sa.func.timezone(zone, Survey.answered_at), "YYYY-MM")
    stmt = sa.select(month.label("month"), *_columns()).group_by(month).order_by(month)
    return [_figure(r.month, r.month, r) for r in _grouped(stmt, since)]


def nps_by_quarter(since: dt.datetime) -> list[Figure]:
    """NPS per quarter asked (the client's quarter, "2026Q4"), oldest first."""
    stmt = (
        sa.select(Survey.period, *_columns())
        .where(Survey.kind == "nps")
        .group_by(Survey.period)
        .order_by(Survey.period)
    )
    return [_figure(r.period, r.period, r) for r in _grouped(stmt, since)]


@dataclass(frozen=True)
class Report:
    since: dt.datetime
    overall: Figure
    clients: list[Figure]
    vas: list[Figure]
    sops: list[Figure]
    months: list[Figure]
    quarters: list[Figure]


def satisfaction_report(zone: str, now: dt.datetime | None = None) -> Report:
    """Everything the Satisfaction page and the figures API show: the last twelve months
    (the overall figure: the last 90 days, as on the cockpit)."""
    now = now or utcnow()
    since = now - dt.timedelta(days=365)
    return Report(
        since=since,
        overall=overall(now),
        clients=by_client(since),
        vas=by_va(since),
        sops=by_sop(since),
        months=by_month(since, zone),
        quarters=nps_by_quarter(since),
    )
