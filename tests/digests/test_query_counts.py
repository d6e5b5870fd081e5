"""Building a client's digest reads a fixed number of statements, however much work and
how many invoices the client has (no statement per item, deadline or invoice)."""

from __future__ import annotations

import datetime as dt

from app.agencies.models import Agency
from app.core.tenancy import tenant
from app.digests.figures import build_snapshot
from app.extensions import db
from tests.clients.support import make_team
from tests.factories import InvoiceFactory, WorkItemFactory

NOW = dt.datetime(2026, 3, 16, 13, tzinfo=dt.UTC)


def _add(team, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        WorkItemFactory(
            client=team.client, state="delivered", delivered_at=NOW - dt.timedelta(days=2)
        )
        WorkItemFactory(client=team.client, state="in_progress", due_at=NOW + dt.timedelta(days=3))
        WorkItemFactory(client=team.client, state="awaiting_client")
        InvoiceFactory(client=team.client, number=f"INV-2026-{i:05}", total_minor=1000 + i)
    db.session.flush()


def _statements(count_queries, team) -> tuple[int, dict]:
    agency = db.session.get(Agency, team.agency.id)
    with tenant(team.agency.id):
        db.session.expire_all()
        with count_queries() as statements:
            snapshot = build_snapshot(team.client, agency, NOW)
    return len(statements), snapshot


def test_one_digest_costs_the_same_statements_for_2_or_12_of_everything(app, count_queries):
    team = make_team()
    _add(team, 2)
    few, small = _statements(count_queries, team)
    _add(team, 10, first=2)
    many, big = _statements(count_queries, team)
    assert big != small  # the second digest did read the extra work and invoices
    assert many == few, f"{few} statements with 2 of each, {many} with 12"
