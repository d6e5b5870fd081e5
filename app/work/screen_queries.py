"""Read side of the work screens: a VA's "My work", the QA queue and the owner's board.

Every function takes the actor explicitly and starts from the same visibility rule as the
item page (owners, managers and QA see every item of the agency; a VA sees items on the
clients they are currently assigned to), so a screen never lists an item its viewer could
not open. Each screen runs a fixed number of statements whatever the data: what the
templates show is eager-loaded, progress and counts are aggregated in SQL, and long
columns are capped in SQL (one `UNION ALL` of per-column `LIMIT`s, which PostgreSQL answers
from the (…, state, due_at) indexes and SQLite runs too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.exceptions import NotFound

from app.clients.models import Assignment, Client
from app.clients.queries import agency_today, current_assignment_filter, visible_clients
from app.core.db import utcnow
from app.core.pagination import Page
from app.core.permissions import Actor
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work.models import OPEN_STATES, QUADRANTS, STATES, ChecklistState, WorkItem

QUADRANT_ORDER = ("do", "schedule", "delegate", "eliminate")
# quadrant -> (urgent, important)
QUADRANT_FLAGS = {quadrant: flags for flags, quadrant in QUADRANTS.items()}
QUEUE_STATES = ("submitted", "in_review")
CLOSED_STATES = ("delivered", "cancelled")
CARDS_PER_COLUMN = 20
ITEMS_PER_QUADRANT = 25
PER_PAGE = 50
OPTION_LIMIT = 300  # a filter shows a <select> up to this many choices, a search box beyond


def visible_items(actor: Actor, today: dt.date | None = None) -> sa.Select:
    """Work items the actor may see: all of the agency's for owners, managers and QA; a
    VA's only on clients with a current assignment; nothing for anyone else here (client
    contacts have their own pages). The tenant filter is added by the data layer."""
    stmt = sa.select(WorkItem)
    if actor.role in ("owner", "manager", "qa"):
        return stmt
    if actor.role == "va":
        current = sa.select(Assignment.client_id).where(
            Assignment.membership_id == actor.membership.id,
            current_assignment_filter(today or agency_today(actor)),
        )
        return stmt.where(WorkItem.client_id.in_(current))
    return stmt.where(sa.false())


def _with_member(relationship: Any) -> Any:
    """Eager-load a membership's person (name and zone only), never its agency again."""
    return joinedload(relationship).options(
        lazyload(Membership.agency),
        joinedload(Membership.user, innerjoin=True).load_only(User.id, User.name, User.time_zone),
    )


_WITH_CLIENT = joinedload(WorkItem.client, innerjoin=True).load_only(
    Client.id, Client.name, Client.time_zone
)
_WITH_ASSIGNEE = _with_member(WorkItem.assignee)
_WITH_REVIEWER = _with_member(WorkItem.reviewer)


def _capped_ids(
    base: sa.Select,
    groups: list[tuple[object, sa.ColumnElement[bool]]],
    order: dict[object, list],
    limit: int,
    offset: int = 0,
) -> sa.Select:
    """The ids of at most `limit` items of each group (its condition, its order), as one
    UNION ALL of limited subqueries."""
    parts = []
    for key, condition in groups:
        inner = (
            base.with_only_columns(WorkItem.id)
            .where(condition)
            .order_by(*order[key])
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        parts.append(sa.select(inner.c.id))
    return sa.union_all(*parts)


# --- My work ------------------------------------------------------------------------------


@dataclass
class WorkRow:
    """An item on a list with its checklist progress."""

    item: WorkItem
    done: int
    total: int
    overdue: bool

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class QuadrantGroup:
    quadrant: str
    count: int = 0
    overdue: int = 0
    rows: list[WorkRow] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return max(0, self.count - len(self.rows))


def get_member_or_404(actor: Actor, member_id: int) -> Membership:
    """A staff member of the actor's agency (another agency's id is simply not found)."""
    member = db.session.scalar(
        sa.select(Membership)
        .where(Membership.id == member_id, Membership.role.in_(("owner", "manager", "va", "qa")))
        .options(lazyload(Membership.agency))
    )
    if member is None:
        raise NotFound()
    return member


def _my_work_base(actor: Actor, member: Membership) -> sa.Select:
    return visible_items(actor).where(
        WorkItem.assignee_id == member.id, WorkItem.state.in_(OPEN_STATES)
    )


def _quadrant_condition(quadrant: str) -> sa.ColumnElement[bool]:
    urgent, important = QUADRANT_FLAGS[quadrant]
    return sa.and_(WorkItem.urgent.is_(urgent), WorkItem.important.is_(important))


def _by_due() -> list:
    return [WorkItem.due_at.asc().nulls_last(), WorkItem.id]


def _progress_columns() -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    total = (
        sa.select(sa.func.count(ChecklistState.id))
        .where(ChecklistState.work_item_id == WorkItem.id)
        .correlate(WorkItem)
        .scalar_subquery()
    )
    done = (
        sa.select(sa.func.count(ChecklistState.id))
        .where(ChecklistState.work_item_id == WorkItem.id, ChecklistState.done.is_(True))
        .correlate(WorkItem)
        .scalar_subquery()
    )
    return done, total


def my_work(
    actor: Actor,
    member: Membership,
    *,
    quadrant: str | None = None,
    page: int = 1,
    now: dt.datetime | None = None,
) -> list[QuadrantGroup]:
    """Open items assigned to `member`, by Eisenhower quadrant, each ordered by due time.

    Without `quadrant`, the first ITEMS_PER_QUADRANT of each quadrant; with it, page
    `page` (PER_PAGE items) of that quadrant only. Two statements: the counts (and overdue
    counts) per quadrant, and the items with their checklist progress and client.
    """
    now = now or utcnow()
    base = _my_work_base(actor, member)
    overdue = sa.and_(WorkItem.due_at.is_not(None), WorkItem.due_at < now)
    counts = db.session.execute(
        base.with_only_columns(
            WorkItem.urgent,
            WorkItem.important,
            sa.func.count(WorkItem.id),
            sa.func.sum(sa.case((overdue, 1), else_=0)),
        ).group_by(WorkItem.urgent, WorkItem.important)
    ).all()
    shown = [quadrant] if quadrant else list(QUADRANT_ORDER)
    groups = {q: QuadrantGroup(q) for q in shown}
    for urgent, important, n, late in counts:
        q = QUADRANTS[(bool(urgent), bool(important))]
        if q in groups:
            groups[q].count, groups[q].overdue = n, int(late or 0)
    wanted = [(q, _quadrant_condition(q)) for q in shown if groups[q].count]
    if wanted:
        limit = PER_PAGE if quadrant else ITEMS_PER_QUADRANT
        ids = _capped_ids(
            base, wanted, {q: _by_due() for q, _ in wanted}, limit, (page - 1) * limit
        )
        done, total = _progress_columns()
        rows = db.session.execute(
            sa.select(WorkItem, done, total)
            .where(WorkItem.id.in_(ids))
            .order_by(*_by_due())
            .options(_WITH_CLIENT)
        ).all()
        for item, n_done, n_total in rows:
            late = item.due_at is not None and item.due_at < now
            groups[item.quadrant].rows.append(WorkRow(item, n_done or 0, n_total or 0, late))
    return [groups[q] for q in shown]


# --- QA queue -----------------------------------------------------------------------------


@dataclass
class QueueRow:
    item: WorkItem
    waited_seconds: int

    @property
    def round(self) -> int:
        """1 for a first submission, 2 after one round of changes, ..."""
        return (self.item.rework_rounds or 0) + 1


def qa_queue(
    actor: Actor,
    *,
    reviewer_id: int | None = None,
    page: int = 1,
    now: dt.datetime | None = None,
) -> Page:
    """Items waiting for review, oldest submission first, with how long each has waited.

    A QA reviewer sees the items they review; owners and managers see every item waiting,
    or one reviewer's (`reviewer_id`). Two statements: the count and the page.
    """
    now = now or utcnow()
    stmt = visible_items(actor).where(WorkItem.state.in_(QUEUE_STATES))
    if actor.role == "qa":
        stmt = stmt.where(WorkItem.reviewer_id == actor.membership.id)
    elif reviewer_id is not None:
        stmt = stmt.where(WorkItem.reviewer_id == reviewer_id)
    total = db.session.scalar(stmt.with_only_columns(sa.func.count(WorkItem.id))) or 0
    items = db.session.scalars(
        stmt.order_by(WorkItem.submitted_at.asc().nulls_last(), WorkItem.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .options(_WITH_CLIENT, _WITH_ASSIGNEE, _WITH_REVIEWER)
    ).all()
    rows = [
        QueueRow(i, max(0, int((now - i.submitted_at).total_seconds())) if i.submitted_at else 0)
        for i in items
    ]
    return Page(items=rows, page=page, per_page=PER_PAGE, total=total)


def reviewer_options(actor: Actor) -> list[tuple[int, str]]:
    """(membership id, name) of the people who can review (QA, owners, managers)."""
    if not actor.is_manager:
        return []
    rows = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(("qa", "owner", "manager")), Membership.status == "active")
        .order_by(sa.func.lower(User.name), Membership.id)
        .limit(OPTION_LIMIT)
    ).all()
    return [(r.id, r.name) for r in rows]


# --- Owner board --------------------------------------------------------------------------


@dataclass
class BoardColumn:
    state: str
    count: int = 0
    items: list[WorkItem] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return max(0, self.count - len(self.items))


def _board_order(state: str) -> list:
    # Open work: soonest due first. Finished work: most recent due date first.
    if state in CLOSED_STATES:
        return [WorkItem.due_at.desc().nulls_last(), WorkItem.id.desc()]
    return _by_due()


def board_filtered(actor: Actor, filters: dict) -> sa.Select:
    """Visible items matching the board filters: client, assignee (membership id), sop
    (any version of it), client_q (part of the client's name)."""
    stmt = visible_items(actor)
    if filters.get("client"):
        stmt = stmt.where(WorkItem.client_id == filters["client"])
    if filters.get("assignee"):
        stmt = stmt.where(WorkItem.assignee_id == filters["assignee"])
    if filters.get("sop"):
        versions = sa.select(SopVersion.id).where(SopVersion.sop_id == filters["sop"])
        stmt = stmt.where(WorkItem.sop_version_id.in_(versions))
    q = (filters.get("client_q") or "").strip()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matching = sa.select(Client.id).where(Client.name.ilike(f"%{escaped}%", escape="\\"))
        stmt = stmt.where(WorkItem.client_id.in_(matching))
    return stmt


def board(actor: Actor, filters: dict, *, page: int = 1) -> list[BoardColumn]:
    """Columns by state with their counts and their first CARDS_PER_COLUMN cards; with a
    `state` filter, that column only, a page of PER_PAGE cards. Two statements."""
    stmt = board_filtered(actor, filters)
    states = [filters["state"]] if filters.get("state") else list(STATES)
    columns = {s: BoardColumn(s) for s in states}
    counts = db.session.execute(
        stmt.with_only_columns(WorkItem.state, sa.func.count(WorkItem.id)).group_by(WorkItem.state)
    ).all()
    for state, n in counts:
        if state in columns:
            columns[state].count = n
    wanted = [(s, WorkItem.state == s) for s in states if columns[s].count]
    if wanted:
        limit = PER_PAGE if filters.get("state") else CARDS_PER_COLUMN
        ids = _capped_ids(
            stmt, wanted, {s: _board_order(s) for s, _ in wanted}, limit, (page - 1) * limit
        )
        items = db.session.scalars(
            sa.select(WorkItem).where(WorkItem.id.in_(ids)).options(_WITH_CLIENT, _WITH_ASSIGNEE)
        ).all()
        for item in items:
            columns[item.state].items.append(item)
        for column in columns.values():
            column.items.sort(key=_sort_key(column.state))
    return list(columns.values())


def _sort_key(state: str):
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    if state in CLOSED_STATES:
        return lambda i: (-(i.due_at or dt.datetime.min.replace(tzinfo=dt.UTC)).timestamp(), -i.id)
    return lambda i: (i.due_at or far, i.id)


def client_options(actor: Actor) -> tuple[list[tuple[int, str]], bool]:
    """(id, name) of live clients for the board's client filter, and whether there are
    more than OPTION_LIMIT (then the page offers a name search instead of a list)."""
    rows = db.session.execute(
        visible_clients(actor)
        .with_only_columns(Client.id, Client.name)
        .where(Client.archived_at.is_(None))
        .order_by(Client.name, Client.id)
        .limit(OPTION_LIMIT + 1)
    ).all()
    return [(r.id, r.name) for r in rows[:OPTION_LIMIT]], len(rows) > OPTION_LIMIT


def client_name(actor: Actor, client_id: int) -> str | None:
    """The name of a client the actor may see (the board's heading for one client)."""
    return db.session.scalar(
        visible_clients(actor).with_only_columns(Client.name).where(Client.id == client_id)
    )


def sop_options(actor: Actor) -> list[tuple[int, str]]:
    """(id, title) of the agency's SOPs that are not archived."""
    rows = db.session.execute(
        sa.select(Sop.id, Sop.title)
        .where(Sop.archived_at.is_(None))
        .order_by(Sop.title, Sop.id)
        .limit(OPTION_LIMIT)
    ).all()
    return [(r.id, r.title) for r in rows]


def va_options(actor: Actor) -> list[tuple[int, str]]:
    """(membership id, name) of the agency's active VAs."""
    rows = db.session.execute(
        sa.select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == "va", Membership.status == "active")
        .order_by(sa.func.lower(User.name), Membership.id)
        .limit(OPTION_LIMIT)
    ).all()
    return [(r.id, r.name) for r in rows]
