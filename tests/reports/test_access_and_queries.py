"""Who may read the reports, what another agency's time does to them (nothing), and how many
SQL statements a report takes, whatever the data: one aggregate over the entries, and a
count that does not grow with entries, people, clients or SOPs."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clients.support import api, web
from tests.factories import AssignmentFactory, ClientFactory, MembershipFactory, WorkItemFactory
from tests.reports.support import MIN, NOW, TODAY, add_entry, make_world

PAGES = ("/reports/time", "/reports/time.csv", "/reports/estimates")
ROLES = {
    "owner": (200, 200, 200),
    "manager": (200, 200, 200),
    "va": (200, 200, 403),
    "qa": (403, 403, 403),
    "contact": (403, 403, 403),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_roles(app, world, role):
    member = getattr(world, role)
    pages = [web(app, member).get(f"/{world.slug}{path}").status_code for path in PAGES]
    http = api(app, member)
    calls = [
        http.get(path).status_code
        for path in ("/reports/time", "/reports/time-entries.csv", "/reports/estimates")
    ]
    assert tuple(pages) == ROLES[role] and tuple(calls) == ROLES[role]


def test_another_agency_s_time_never_counts(app, world, frozen):
    other = make_world()  # the same month of entries, in another agency
    add_entry(other.va, other.client_id, TODAY, 600)
    own = api(app, world.owner).get("/reports/time?period=all").json["totals"]
    assert (own["entries"], own["seconds"]) == (7, 600 * MIN)
    # Another agency's client, person or SOP selects nothing here.
    for query in (
        f"client_id={other.client_id}",
        f"member_id={other.va.id}",
        f"sop_id={other.sop_a}",
        f"activity_id={other.activity_id}",
    ):
        body = api(app, world.owner).get(f"/reports/time?period=all&{query}").json
        assert body["groups"] == [] and body["totals"]["seconds"] == 0, query
    csv = web(app, world.owner).get(f"/{world.slug}/reports/time.csv?period=all")
    assert len(csv.get_data(as_text=True).splitlines()) == 1 + 7
    estimates = api(app, world.owner).get("/reports/estimates").json
    assert estimates["overall"]["items"] == 0


def _grow(world, people: int, clients: int, per_client: int) -> None:
    """More of everything: people who record time, clients, SOPs (one per item), entries."""
    members = [world.va, world.va2] + [
        MembershipFactory(agency=world.agency, role="va") for _ in range(people)
    ]
    for c in range(clients):
        client = ClientFactory(agency=world.agency, name=f"Acme {c:03d}")
        delivered = c % 2 == 0  # half of them delivered: the SOP pages and estimates count those
        item = WorkItemFactory(
            client=client,
            checklist=False,
            assignee_id=members[c % len(members)].id,
            state="delivered" if delivered else "todo",
            delivered_at=NOW - dt.timedelta(days=2) if delivered else None,
        )
        for i, member in enumerate(members):
            AssignmentFactory(client=client, membership=member)
            for n in range(per_client):
                add_entry(
                    member,
                    client.id,
                    TODAY - dt.timedelta(days=n % 9),
                    15 + n,
                    work_item_id=item.id if n % 2 else None,
                    activity_id=world.activity_id if i % 2 else None,
                    billable=bool(n % 3),
                )


def _count(count_queries, http, path: str) -> tuple[int, int]:
    """(statements, aggregates over time_entries) of one request, after a warm-up one."""
    http.get(path)
    with count_queries() as statements:
        resp = http.get(path)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    aggregates = [s for s in statements if "FROM time_entries" in s and "GROUP BY" in s]
    return len(statements), len(aggregates)


GROUPS = ("client", "member", "sop", "activity", "state", "week")


@pytest.mark.parametrize("role", ["owner", "va"])
def test_statement_counts_do_not_grow_with_data(app, count_queries, frozen, role):
    small, large = make_world(), make_world()
    _grow(large, people=6, clients=12, per_client=4)
    callers = {
        id(w): (api(app, getattr(w, role)), web(app, getattr(w, role)), w.slug)
        for w in (small, large)
    }

    def count(world, group: str, is_api: bool) -> tuple[int, int]:
        json, page, slug = callers[id(world)]
        path = f"/reports/time?group={group}"
        return (
            _count(count_queries, json, path)
            if is_api
            else _count(count_queries, page, f"/{slug}{path}")
        )

    for group in GROUPS:
        for is_api in (True, False):
            few, many = count(small, group, is_api), count(large, group, is_api)
            assert few == many, (group, is_api, few, many)
            statements, aggregates = many
            assert aggregates == 1, (group, is_api)
            assert statements <= (14 if not is_api else 6), (group, is_api, statements)


def test_the_estimates_page_and_sop_library_take_a_fixed_number_of_statements(
    app, count_queries, frozen
):
    small, large = make_world(), make_world()
    _grow(small, people=0, clients=1, per_client=2)  # one delivered item with time
    _grow(large, people=3, clients=8, per_client=2)
    counts = {}
    for label, world in (("small", small), ("large", large)):
        page = web(app, world.owner)
        counts[label] = [
            _count(count_queries, page, f"/{world.slug}{path}")[0]
            for path in ("/reports/estimates", "/sops")
        ]
    assert counts["small"] == counts["large"], counts
    body = api(app, large.owner).get("/reports/estimates").json
    assert body["overall"]["items"] == 4 and len(body["by_sop"]) == 4  # the data is there
