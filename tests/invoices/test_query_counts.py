"""The invoices list (page and API, any filter) runs the same number of SQL statements
whether there are 3 invoices or 40: no N+1 through clients, statuses or amounts."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.invoices import services
from tests.clients.support import api, web
from tests.factories import ClientFactory
from tests.invoices.support import draft, issued

MAX_STATEMENTS = 14


def _fill(owner, team, count: int, monkeypatch) -> None:
    """Drafts, current and overdue invoices of many clients in several zones."""
    zones = ("Asia/Tokyo", "America/Denver", "Europe/Paris")
    for n in range(count):
        client = ClientFactory(agency=team.agency, name=f"Client {n:02d}", time_zone=zones[n % 3])
        if n % 4 == 1:  # issued in the past, due at once: overdue now
            monkeypatch.setattr(services, "utcnow", lambda: dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
        maker = draft if n % 3 == 0 else issued
        maker(owner, client if n % 2 else team.client, ("Work", 1, 1000 + n), net_days=0)
        monkeypatch.undo()
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
    app, team, owner, count_queries, monkeypatch
):
    _fill(owner, team, 3, monkeypatch)
    few = _measure(app, count_queries, team)
    _fill(owner, team, 40, monkeypatch)
    many = _measure(app, count_queries, team)
    assert few == many, (few, many)
    assert max(many.values()) <= MAX_STATEMENTS, many
