"""Read side of the response-time promise: the agency's business week row, open clocks and
the figures (median business hours to answer, breaches) per month, per client and per VA.

Figures are one grouped statement whatever the number of messages: months are the agency's
local months of `received_at`; the median counts answered clocks, breaches count every
clock that passed its promise, answered since or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.permissions import Actor
from app.extensions import db
from app.promises.models import AgencyHours, ResponseClock
from app.promises.policy import can_see_promises
from app.users.models import Membership

FIGURE_MONTHS = 6
OPEN_SHOWN = 200


def agency_hours() -> AgencyHours | None:
    return db.session.scalar(sa.select(AgencyHours).limit(1))


def visible_clocks(actor: Actor) -> sa.Select:
    """Clocks the actor may see: owners and managers every one, nobody else any."""
    stmt = sa.select(ResponseClock)
    if can_see_promises(actor):
        return stmt
    return stmt.where(sa.false())


def open_clocks(actor: Actor, limit: int = OPEN_SHOWN) -> list[ResponseClock]:
    """Running and paused clocks, the most urgent (earliest due) first."""
    return list(
        db.session.scalars(
            visible_clocks(actor)
            .where(ResponseClock.state.in_(("running", "paused")))
            .order_by(ResponseClock.due_at.asc().nulls_last(), ResponseClock.id)
            .limit(limit)
        )
    )


def get_va_or_404(actor: Actor, membership_id: int) -> Membership:
    """A VA of the agency whose figures the actor may read."""
    member = db.session.scalar(
        sa.select(Membership).where(Membership.id == membership_id, Membership.role == "va")
    )
    if member is None or not can_see_promises(actor):
        raise NotFound()
    return member


def first_month(today: dt.date, months: int = FIGURE_MONTHS) -> dt.date:
    """The first day of the month `months - 1` months before `today`'s."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def month_starts(today: dt.date, months: int = FIGURE_MONTHS) -> list[dt.date]:
    first = first_month(today, months)
    out = []
    for n in range(months):
        index = first.year * 12 + first.month - 1 + n
        out.append(dt.date(index // 12, index % 12 + 1, 1))
    return out


@dataclass(frozen=True)
class MonthFigure:
    month: dt.date
    answered: int
    median_hours: float | None
    breaches: int


def monthly_figures(
    zone: str,
    today: dt.date,
    *,
    client_id: int | None = None,
    va_membership_id: int | None = None,
    months: int = FIGURE_MONTHS,
) -> list[MonthFigure]:
    """The last `months` months (oldest first, empty months included) of one client's or
    one VA's clocks: answered count, median business hours to answer, breaches."""
    local_month = sa.func.date_trunc("month", sa.func.timezone(zone, ResponseClock.received_at))
    answered = ResponseClock.state == "answered"
    stmt = (
        sa.select(
            local_month.label("month"),
            sa.func.count(ResponseClock.id).filter(answered),
            sa.func.percentile_cont(0.5)
            .within_group(ResponseClock.business_seconds)
            .filter(answered),
            sa.func.count(ResponseClock.id).filter(ResponseClock.breached_at.is_not(None)),
        )
        .where(
            sa.func.timezone(zone, ResponseClock.received_at)
            >= dt.datetime.combine(first_month(today, months), dt.time())
        )
        .group_by(local_month)
    )
    if client_id is not None:
        stmt = stmt.where(ResponseClock.client_id == client_id)
    if va_membership_id is not None:
        stmt = stmt.where(ResponseClock.va_membership_id == va_membership_id)
    rows = {row[0].date(): row for row in db.session.execute(stmt)}
    out = []
    for month in month_starts(today, months):
        row = rows.get(month)
        if row is None:
            out.append(MonthFigure(month, 0, None, 0))
        else:
            median = None if row[2] is None else round(float(row[2]) / 3600, 2)
            out.append(MonthFigure(month, int(row[1]), median, int(row[3])))
    return out


def breaches_since(start_utc: dt.datetime) -> int:
    """Clocks of the agency that passed their promise since `start_utc`."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(ResponseClock.id)).where(ResponseClock.breached_at >= start_utc)
        )
        or 0
    )


def client_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Client.id, Client.name).where(Client.id.in_(ids))).all()
    )
