"""Read side of the "All work" list: every work item the viewer may open, searchable by
title and filtered by client, state, people, SOP, priority and lateness.

Built like the other boards (app.boards.queries): it starts from `visible_items`, so a
VA lists only the items of clients they are assigned to, reads plain card rows with the
client, people and checklist progress joined in, and runs a fixed number of statements
whatever the data: a capped count (`COUNT_CAP`, then "10,000+") and one page of ids in the
chosen order, whose cards are read in a second statement. The title search uses the
trigram index `ix_work_items_title_trgm` on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.boards.queries import QUADRANT_FLAGS, board_filtered, card_from_row, cards_stmt
from app.core.clock import utcnow
from app.core.formatting import format_number
from app.core.pagination import Page
from app.core.permissions import Actor
from app.extensions import db
from app.work.models import OPEN_STATES, WorkItem
from app.work.queries import contains

PER_PAGE = 50
COUNT_CAP = 10_000
STATE_GROUPS = ("open", "closed", "all")  # besides one exact state; "open" by default
SORTS = ("due", "updated", "created")


def _order(sort: str) -> list:
    if sort == "updated":
        return [WorkItem.updated_at.desc(), WorkItem.id.desc()]
    if sort == "created":
        return [WorkItem.created_at.desc(), WorkItem.id.desc()]
    return [WorkItem.due_at.asc().nulls_last(), WorkItem.id]


def list_filtered(actor: Actor, filters: dict, now: dt.datetime) -> sa.Select:
    """Visible items matching the filters: those of the board (client, client_q, assignee,
    sop) plus q (part of the title), state (one state, or "open" / "closed"), reviewer,
    quadrant and overdue (open and past due). No state means "all"."""
    stmt = board_filtered(actor, filters)
    q = (filters.get("q") or "").strip()
    if q:
        stmt = stmt.where(contains(WorkItem.title, q))
    state = filters.get("state")
    if state == "open":
        stmt = stmt.where(WorkItem.state.in_(OPEN_STATES))
    elif state == "closed":
        stmt = stmt.where(WorkItem.state.not_in(OPEN_STATES))
    elif state and state != "all":
        stmt = stmt.where(WorkItem.state == state)
    if filters.get("reviewer"):
        stmt = stmt.where(WorkItem.reviewer_id == filters["reviewer"])
    if filters.get("quadrant"):
        urgent, important = QUADRANT_FLAGS[filters["quadrant"]]
        stmt = stmt.where(WorkItem.urgent.is_(urgent), WorkItem.important.is_(important))
    if filters.get("overdue"):
        stmt = stmt.where(
            WorkItem.state.in_(OPEN_STATES), WorkItem.due_at.is_not(None), WorkItem.due_at < now
        )
    return stmt


@dataclass
class WorkList(Page):
    """A page of cards; `total` is exact up to COUNT_CAP, and `capped` says "more"."""

    capped: bool = False

    @property
    def total_label(self) -> str:
        return f"{format_number(COUNT_CAP)}+" if self.capped else format_number(self.total)


def work_list(actor: Actor, filters: dict, *, page: int = 1, sort: str = "due") -> WorkList:
    """One page of the list (two statements: the capped count, the page of cards)."""
    now = utcnow()
    stmt = list_filtered(actor, filters, now)
    limited = stmt.with_only_columns(WorkItem.id).limit(COUNT_CAP + 1).subquery("capped")
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0
    total = min(counted, COUNT_CAP)
    result = WorkList(items=[], page=page, per_page=PER_PAGE, total=total, capped=counted > total)
    if (page - 1) * PER_PAGE >= total:
        return result
    order = _order(sort)
    ids = (
        stmt.with_only_columns(WorkItem.id)
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    rows = db.session.execute(
        cards_stmt(assignee=True, reviewer=True, progress=True)
        .where(WorkItem.id.in_(ids))
        .order_by(*order)
    ).all()
    for row in rows:
        card = card_from_row(row)
        card.overdue = card.due_at is not None and card.due_at < now and card.state in OPEN_STATES
        result.items.append(card)
    return result
