"""Read side of the client portal's home: what a client contact has to act on and what the
agency did for them, as plain values (their own client only, by the same visibility rules as
the item and invoice pages). The work requests on it come from app.portal.work_requests.

Work: items QA approved at least once (`visible_work_items` for a client contact), split
into waiting for their approval, still with the agency, and recently delivered. Invoices:
what is owed, per currency, and the latest documents. A fixed number of statements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.clients.models import Client
from app.core.permissions import Actor
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.queries import display_status, visible_invoices
from app.payments.overview import Owed, owed_per_currency
from app.portal.work_requests import RequestLists, request_lists
from app.sops.localize import localized_titles
from app.sops.models import SopVersion
from app.work.models import WorkItem
from app.work.queries import visible_work_items

RECENT = 8


@dataclass
class PortalItem:
    id: int
    title: str
    state: str
    due_at: dt.datetime | None
    approved_at: dt.datetime | None
    delivered_at: dt.datetime | None
    sop_title: str  # a SopText (app.sops.localize)


@dataclass
class PortalHome:
    client_name: str = ""
    client_locale: str = "en"
    client_zone: str = "UTC"
    waiting: list[PortalItem] = field(default_factory=list)
    with_agency: list[PortalItem] = field(default_factory=list)
    delivered: list[PortalItem] = field(default_factory=list)
    delivered_total: int = 0
    owed: list[Owed] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)
    requests: RequestLists | None = None
    seen_item_ids: set[int] = field(default_factory=set)


def _items(stmt: sa.Select) -> list[PortalItem]:
    rows = db.session.execute(
        stmt.with_only_columns(
            WorkItem.id,
            WorkItem.title,
            WorkItem.state,
            WorkItem.due_at,
            WorkItem.approved_at,
            WorkItem.delivered_at,
            SopVersion.definition,
        ).join(SopVersion, SopVersion.id == WorkItem.sop_version_id)
    ).all()
    # The title of the version the work follows, in the contact's language.
    titles = localized_titles((row[0], row[6] or {}) for row in rows)
    return [PortalItem(*row[:6], sop_title=titles[row[0]]) for row in rows]


def portal_home(actor: Actor) -> PortalHome:
    """The portal home of a client contact (empty for anyone else)."""
    home = PortalHome()
    if actor.role != "client":
        return home
    client = db.session.get(Client, actor.membership.client_id)
    if client is not None:
        home.client_name = client.name
        home.client_locale = client.locale or "en"
        home.client_zone = client.time_zone or "UTC"
    base = visible_work_items(actor)
    home.waiting = _items(
        base.where(WorkItem.state == "awaiting_client").order_by(
            WorkItem.approved_at.asc().nulls_last(), WorkItem.id
        )
    )
    home.with_agency = _items(
        base.where(WorkItem.state.not_in(("awaiting_client", "delivered", "cancelled")))
        .order_by(WorkItem.due_at.asc().nulls_last(), WorkItem.id)
        .limit(RECENT)
    )
    delivered = base.where(WorkItem.state == "delivered")
    home.delivered_total = (
        db.session.scalar(delivered.with_only_columns(sa.func.count(WorkItem.id))) or 0
    )
    home.delivered = _items(
        delivered.order_by(WorkItem.delivered_at.desc().nulls_last(), WorkItem.id.desc()).limit(
            RECENT
        )
    )
    home.invoices = list(
        db.session.scalars(
            visible_invoices(actor)
            .order_by(Invoice.issue_date.desc().nulls_last(), Invoice.id.desc())
            .limit(RECENT)
        )
    )
    home.statuses = {i.id: display_status(i) for i in home.invoices}
    home.owed = owed_per_currency(actor)
    home.requests = request_lists(actor)
    accepted = [r.work_item_id for r in home.requests.decided if r.work_item_id]
    if accepted:
        home.seen_item_ids = set(
            db.session.scalars(base.where(WorkItem.id.in_(accepted)).with_only_columns(WorkItem.id))
        )
    return home
