"""The work figures of the agency dashboard (shown by app.agencies.views): what is overdue,
what waits for QA, what is with the VAs and what waits for clients. For owners and managers
the whole agency; for a VA the items assigned to them; for a QA reviewer the items they
review. Counts stop at COUNT_CAP ("1,000+") so the dashboard costs the same for any agency:
one UNION ALL of limited index reads per call (app.boards.queries.capped_counts) and one
for overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.boards.queries import COUNT_CAP, capped_counts, visible_items
from app.core.clock import utcnow
from app.core.formatting import format_number
from app.core.permissions import Actor
from app.extensions import db
from app.work.models import OPEN_STATES, WorkItem

WITH_VA = ("todo", "in_progress", "changes_requested", "client_changes")
WITH_QA = ("submitted", "in_review")
WITH_CLIENT = ("awaiting_client",)


@dataclass
class WorkOverview:
    overdue: int
    with_va: int
    with_qa: int
    with_client: int
    cap: int = COUNT_CAP

    def label(self, n: int) -> str:
        return f"{format_number(self.cap)}+" if n > self.cap else format_number(n)


def work_overview(actor: Actor, now: dt.datetime | None = None) -> WorkOverview | None:
    """The dashboard's work tiles for staff (None for client contacts)."""
    if actor.role not in ("owner", "manager", "va", "qa"):
        return None
    now = now or utcnow()
    base = visible_items(actor)
    if actor.role == "va":
        base = base.where(WorkItem.assignee_id == actor.membership.id)
    elif actor.role == "qa":
        base = base.where(WorkItem.reviewer_id == actor.membership.id)
    counts = capped_counts(base, [*WITH_VA, *WITH_QA, *WITH_CLIENT], COUNT_CAP)
    late = (
        base.with_only_columns(WorkItem.id)
        .where(WorkItem.state.in_(OPEN_STATES), WorkItem.due_at < now)
        .limit(COUNT_CAP + 1)
        .subquery("late")
    )
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(late)) or 0

    def total(states: tuple[str, ...]) -> int:
        return sum(counts.get(s, 0) for s in states)

    return WorkOverview(overdue, total(WITH_VA), total(WITH_QA), total(WITH_CLIENT))
