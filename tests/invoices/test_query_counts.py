"""The invoices list (page and API, any filter) runs the same number of SQL statements
whether there are 3 invoices or 40: no N+1 through clients, statuses or amounts."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from tests.clients.support import api, web
from tests.factories import ClientFactory
from tests.invoices.support import draft, issued

MAX_STATEMENTS = 14


NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


def _fill(owner, team, count: int, time_machine) -> None:
    """Drafts, current and overdue invoices of many clients in several zones."""
    zones = ("Asia/Tokyo", "America/Denver", "Europe/Paris")
    for n in range(count):
        client = ClientFactory(agency=team.agency, name=f"Client {n:02d}", time_zone=zones[n % 3])
        # Issued on 2 January and due at once: overdue by the time the lists are read.
        past = n % 4 == 1
        time_machine.move_to(dt.datetime(2026, 1, 2, tzinfo=dt.UTC) if past else NOW, tick=False)
        maker = draft if n % 3 == 0 else issued
        maker(owner, client if n % 2 else team.client, ("Work", 1, 1000 + n), net_days=0)
    time_machine.move_to(NOW, tick=False)
    db.session.commit()


def _measure(app, count_queries, team) -> dict[str, int]:
    browser = web(app, team.owner)
    contact = web(app, team.contact)
    owner_api = api(app, team.owner)
    calls = {
        "page": lambda: browser.get(f"/{team.slug}/invoices?per_page=25"),
        "overdue": lambda: browser.get(f"/{team.slug}/invoices?status=overdue&per_page=25"),
        "search": lambda: browser.get(f"/{team.slug}/invoices?q=INV&currency=USD"),
        "contact": lambda: contact.get(f"/{team.slug}/invoices"),
        "api": lambda: owner_api.get("/invoices?per_page=25"),
        "api overdue": lambda: owner_api.get("/invoices?status=overdue"),
    }
    counts = {}
    for label, call in calls.items():
        with count_queries() as statements:
            resp = call()
        assert resp.status_code == 200, (label, resp.status_code)
        counts[label] = len(statements)
    return counts


def test_invoice_lists_run_a_constant_number_of_statements(
    app, team, owner, count_queries, time_machine
):
    _fill(owner, team, 3, time_machine)
    few = _measure(app, count_queries, team)
    _fill(owner, team, 40, time_machine)
    many = _measure(app, count_queries, team)
    assert few == many, (few, many)
    assert max(many.values()) <= MAX_STATEMENTS, many
