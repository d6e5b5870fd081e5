"""The clients list and a client's page run a fixed number of SQL statements, however many
clients, contacts and assignments there are (no N+1 through the templates)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clients.support import Team, agency_today, make_team, web
from tests.factories import AssignmentFactory, ClientFactory, ContactFactory, MembershipFactory

# The detail page now carries the relationship cards too (logins, intake, digest, promise,
# onboarding, recurring work): one statement or two each, never one per row.
MAX_STATEMENTS = 20
PER_PAGE = 4
TODAY = agency_today()


def fill(team: Team, clients: int, people_on_detail: int) -> int:
    """`clients` clients, each with two contacts, a primary (the team's VA), a backup and an
    ended assignment; and one client with `people_on_detail` contacts and VAs. Returns that
    client's id."""
    backup = MembershipFactory(agency=team.agency, role="va")
    former = MembershipFactory(agency=team.agency, role="va")
    for i in range(clients):
        client = ClientFactory(agency=team.agency, name=f"Acme {i:03d}")
        for n in range(2):
            ContactFactory(client=client, email=f"person{n}.{i}@acme.test")
        AssignmentFactory(client=client, membership=team.va, kind="primary")
        AssignmentFactory(client=client, membership=backup, kind="backup")
        AssignmentFactory(
            client=client,
            membership=former,
            starts_on=TODAY - dt.timedelta(days=200),
            ends_on=TODAY - dt.timedelta(days=100),
        )
    busy = ClientFactory(agency=team.agency, name="Acme busy")
    AssignmentFactory(client=busy, membership=team.va, kind="primary")
    for i in range(people_on_detail):
        ContactFactory(client=busy, email=f"busy{i}@acme.test")
        AssignmentFactory(
            client=busy,
            membership=MembershipFactory(agency=team.agency, role="va"),
            kind="backup",
            starts_on=TODAY - dt.timedelta(days=300 - i),
            ends_on=TODAY - dt.timedelta(days=10) if i % 2 else None,
        )
    return busy.id


def measure(app, count_queries, team: Team, role: str, busy_id: int, clients: int) -> dict:
    browser = web(app, getattr(team, role))
    last_page = (clients + 1 + PER_PAGE - 1) // PER_PAGE
    urls = {
        "list page 1": f"/{team.slug}/clients?per_page={PER_PAGE}",
        "list deep page": f"/{team.slug}/clients?per_page={PER_PAGE}&page={last_page - 1}",
        "list search": f"/{team.slug}/clients?q=acme.test&status=active&per_page={PER_PAGE}",
        "client detail": f"/{team.slug}/clients/{busy_id}",
    }
    counts = {}
    for label, url in urls.items():
        browser.get(url)  # warm caches that are per process (templates, compiled SQL)
        with count_queries() as statements:
            resp = browser.get(url)
        assert resp.status_code == 200, (label, resp.status_code)
        counts[label] = len(statements)
    return counts


@pytest.mark.parametrize("role", ["owner", "va"])
def test_statement_counts_do_not_grow_with_data(app, count_queries, role):
    small, large = make_team(), make_team()
    small_busy = fill(small, clients=5, people_on_detail=1)
    large_busy = fill(large, clients=60, people_on_detail=25)
    small_counts = measure(app, count_queries, small, role, small_busy, 5)
    large_counts = measure(app, count_queries, large, role, large_busy, 60)
    assert small_counts == large_counts
    for label, n in large_counts.items():
        assert n <= MAX_STATEMENTS, f"{label}: {n} statements"


def test_the_pages_measured_show_the_data(app, count_queries):
    """Guard against measuring empty pages: the VA's list holds their clients and teams."""
    team = make_team()
    fill(team, clients=6, people_on_detail=2)
    html = web(app, team.va).get(f"/{team.slug}/clients?q=acme.test").get_data(as_text=True)
    assert html.count("data-client-id=") == 7  # six plus the busy one
    assert "(backup)" in html and "person1.5@acme.test" not in html  # first contact only
