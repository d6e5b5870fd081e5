"""Read side of the boards: a VA's "My work", the QA queue and the owner's board, and the
card rows, filters and capped counts the "All work" list and the dashboard figures share.

Every function takes the actor explicitly and starts from `visible_work_items`, the rule
of the item page (owners, managers and QA see every item of the agency; a VA sees items on
the clients they are currently assigned to), so a screen never lists an item its viewer
could not open. Each screen runs a fixed number of statements whatever the data: the lists are
read as plain rows with what the templates show joined in (client, assignee, reviewer),
progress and counts are aggregated in SQL, and long columns are capped in SQL (one
`UNION ALL` of per-column `LIMIT`s, which PostgreSQL answers from the (…, state, due_at)
indexes and SQLite runs too). Plain rows, not ORM objects: a board shows hundreds of
cards, and building an identity-mapped object graph for each cost more than the query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, lazyload
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.clients.queries import visible_clients
from app.core.clock import utcnow
from app.core.formatting import format_number
from app.core.pagination import Page
from app.core.permissions import Actor
from app.extensions import db
from app.sops.localize import localized_titles
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work.models import OPEN_STATES, QUADRANTS, STATES, ChecklistState, WorkItem
from app.work.queries import contains, visible_work_items

QUADRANT_ORDER = ("do", "schedule", "delegate", "eliminate")
# quadrant -> (urgent, important)
QUADRANT_FLAGS = {quadrant: flags for flags, quadrant in QUADRANTS.items()}
QUEUE_STATES = ("submitted", "in_review")
CLOSED_STATES = ("delivered", "cancelled")
CARDS_PER_COLUMN = 15
ITEMS_PER_QUADRANT = 25
PER_PAGE = 50
COUNT_CAP = 1000  # a board column counts this many items, then says "1,000+"
OPTION_LIMIT = 300  # a filter shows a <select> up to this many choices, a search box beyond


def visible_items(actor: Actor) -> sa.Select:
    """The items the screens list: what the item page would show the actor
    (`visible_work_items`), and nothing for client contacts, who have their own pages."""
    if actor.role == "client":
        return sa.select(WorkItem).where(sa.false())
    return visible_work_items(actor)


# --- rows ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Card:
    """What a screen shows of one work item."""

    id: int
    title: str
    state: str
    urgent: bool
    important: bool
    due_at: dt.datetime | None
    submitted_at: dt.datetime | None
    rework_rounds: int
    client_id: int
    client_name: str
    client_zone: str
    assignee_name: str | None = None
    reviewer_name: str | None = None
    done: int = 0
    total: int = 0
    overdue: bool = False
    waited_seconds: int = 0

    @property
    def quadrant(self) -> str:
        return QUADRANTS[(bool(self.urgent), bool(self.important))]

    @property
    def percent(self) -> int:
        """Checklist progress, 0-100."""
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def round(self) -> int:
        """1 for a first submission, 2 after one round of changes, ..."""
        return (self.rework_rounds or 0) + 1


_ASSIGNEE = aliased(Membership, name="assignee")
_ASSIGNEE_USER = aliased(User, name="assignee_user")
_REVIEWER = aliased(Membership, name="reviewer")
_REVIEWER_USER = aliased(User, name="reviewer_user")
_CARD_COLUMNS = (
    WorkItem.id,
    WorkItem.title,
    WorkItem.state,
    WorkItem.urgent,
    WorkItem.important,
    WorkItem.due_at,
    WorkItem.submitted_at,
    WorkItem.rework_rounds,
    Client.id,
    Client.name,
    Client.time_zone,
)


def cards_stmt(*, assignee: bool = False, reviewer: bool = False, progress: bool = False):
    """SELECT of card rows (item, client, optionally names and checklist progress)."""
    columns: list[Any] = list(_CARD_COLUMNS)
    columns.append(_ASSIGNEE_USER.name if assignee else sa.null())
    columns.append(_REVIEWER_USER.name if reviewer else sa.null())
    if progress:
        columns += _progress_columns()
    stmt = sa.select(*columns).join(Client, Client.id == WorkItem.client_id)
    if assignee:
        stmt = stmt.outerjoin(_ASSIGNEE, _ASSIGNEE.id == WorkItem.assignee_id).outerjoin(
            _ASSIGNEE_USER, _ASSIGNEE_USER.id == _ASSIGNEE.user_id
        )
    if reviewer:
        stmt = stmt.outerjoin(_REVIEWER, _REVIEWER.id == WorkItem.reviewer_id).outerjoin(
            _REVIEWER_USER, _REVIEWER_USER.id == _REVIEWER.user_id
        )
    return stmt


def card_from_row(row: Any) -> Card:
    card = Card(*row[:13])
    if len(row) > 13:
        card.done, card.total = row[13] or 0, row[14] or 0
    return card


def _progress_columns() -> list[sa.ScalarSelect]:
    """(done, total) checklist states of the row's item, as correlated subqueries."""
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
    return [done, total]


def _capped_ids(
    base: sa.Select,
    groups: list[tuple[str, sa.ColumnElement[bool]]],
    order: dict[str, list],
    limit: int,
    offset: int = 0,
) -> sa.CompoundSelect:
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
            .subquery(f"group_{key}")
        )
        parts.append(sa.select(inner.c.id))
    return sa.union_all(*parts)


def _by_due() -> list:
    return [WorkItem.due_at.asc().nulls_last(), WorkItem.id]


def _sort_key(state: str):
    """The order of _board_order, for cards read back in any order."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    if state in CLOSED_STATES:
        return lambda c: (c.due_at is not None, -(c.due_at or far).timestamp(), -c.id)
    return lambda c: (c.due_at or far, c.id)


# --- My work ------------------------------------------------------------------------------


@dataclass
class QuadrantGroup:
    quadrant: str
    count: int = 0
    overdue: int = 0
    rows: list[Card] = field(default_factory=list)

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


def _quadrant_condition(quadrant: str) -> sa.ColumnElement[bool]:
    urgent, important = QUADRANT_FLAGS[quadrant]
    return sa.and_(WorkItem.urgent.is_(urgent), WorkItem.important.is_(important))


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
    base = visible_items(actor).where(
        WorkItem.assignee_id == member.id, WorkItem.state.in_(OPEN_STATES)
    )
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
        rows = db.session.execute(
            cards_stmt(progress=True).where(WorkItem.id.in_(ids)).order_by(*_by_due())
        ).all()
        for row in rows:
            card = card_from_row(row)
            card.overdue = card.due_at is not None and card.due_at < now
            groups[card.quadrant].rows.append(card)
    return [groups[q] for q in shown]


# --- QA queue -----------------------------------------------------------------------------


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
    page_ids = (
        stmt.with_only_columns(WorkItem.id)
        .order_by(WorkItem.submitted_at.asc().nulls_last(), WorkItem.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    rows = db.session.execute(
        cards_stmt(assignee=True, reviewer=True)
        .where(WorkItem.id.in_(page_ids))
        .order_by(WorkItem.submitted_at.asc().nulls_last(), WorkItem.id)
    ).all()
    cards = [card_from_row(row) for row in rows]
    for card in cards:
        if card.submitted_at is not None:
            card.waited_seconds = max(0, int((now - card.submitted_at).total_seconds()))
    return Page(items=cards, page=page, per_page=PER_PAGE, total=total)


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
    count: int = 0  # exact up to `cap`; cap + 1 means "more than cap"
    cap: int = COUNT_CAP
    items: list[Card] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return f"{format_number(self.cap)}+" if self.capped else format_number(self.count)

    @property
    def hidden(self) -> int:
        return max(0, self.count - len(self.items))


def _board_order(state: str) -> list:
    # Open work: soonest due first. Finished work: latest due first (NULLS FIRST, which is
    # what PostgreSQL reads backwards from the (agency, state, due_at) index, no sort).
    if state in CLOSED_STATES:
        return [WorkItem.due_at.desc().nulls_first(), WorkItem.id.desc()]
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
        stmt = stmt.where(WorkItem.sop_id == filters["sop"])
    q = (filters.get("client_q") or "").strip()
    if q:
        matching = sa.select(Client.id).where(contains(Client.name, q))
        stmt = stmt.where(WorkItem.client_id.in_(matching))
    return stmt


def capped_counts(base: sa.Select, states: list[str], cap: int) -> dict[str, int]:
    """Items per state, counting at most cap + 1 of each: one UNION ALL of limited index
    reads, so a column of 100,000 delivered items costs no more than one of 1,001."""
    parts = []
    for state in states:
        inner = (
            base.with_only_columns(WorkItem.id)
            .where(WorkItem.state == state)
            .limit(cap + 1)
            .subquery(f"count_{state}")
        )
        parts.append(sa.select(sa.literal(state), sa.func.count()).select_from(inner))
    return {state: n for state, n in db.session.execute(sa.union_all(*parts)).all()}


def board(actor: Actor, filters: dict, *, page: int = 1) -> list[BoardColumn]:
    """Columns by state with their counts (up to COUNT_CAP) and their first
    CARDS_PER_COLUMN cards; with a `state` filter, that column only, a page of PER_PAGE
    cards. Two statements whatever the number of items."""
    stmt = board_filtered(actor, filters)
    one_state = filters.get("state")
    states = [one_state] if one_state else list(STATES)
    # Paging one column counts just past the page asked for, so "next" is always known.
    cap = max(COUNT_CAP, page * PER_PAGE) if one_state else COUNT_CAP
    counts = capped_counts(stmt, states, cap)
    columns = {s: BoardColumn(s, counts.get(s, 0), cap) for s in states}
    wanted = [(s, WorkItem.state == s) for s in states if columns[s].count]
    if wanted:
        limit = PER_PAGE if one_state else CARDS_PER_COLUMN
        ids = _capped_ids(
            stmt, wanted, {s: _board_order(s) for s, _ in wanted}, limit, (page - 1) * limit
        )
        rows = db.session.execute(cards_stmt(assignee=True).where(WorkItem.id.in_(ids))).all()
        for row in rows:
            card = card_from_row(row)
            columns[card.state].items.append(card)
        for column in columns.values():
            column.items.sort(key=_sort_key(column.state))
    return list(columns.values())


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
    """(id, title) of the agency's SOPs that are not archived, the title in the reader's
    language where the current version is translated (app.sops.localize), by that title."""
    rows = db.session.execute(
        sa.select(Sop.id, Sop.title, SopVersion.definition)
        .outerjoin(SopVersion, SopVersion.id == Sop.current_version_id)
        .where(Sop.archived_at.is_(None))
        .order_by(Sop.title, Sop.id)
        .limit(OPTION_LIMIT)
    ).all()
    titles = localized_titles((r.id, r.definition or {"title": r.title}) for r in rows)
    return sorted(((r.id, titles[r.id]) for r in rows), key=lambda o: (o[1].casefold(), o[0]))


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
