"""Each work screen runs a fixed number of SQL statements, however many items, checklist
states, reviews, clients and people there are (no N+1 through the templates)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clients.support import make_team, web
from tests.factories import AssignmentFactory, ClientFactory, MembershipFactory
from tests.work_screens.support import make_item, make_review, make_sop

MAX_STATEMENTS = 12
STATES = ("todo", "in_progress", "submitted", "in_review", "changes_requested", "approved",
          "awaiting_client", "delivered", "cancelled")  # fmt: skip


def fill(items: int) -> dict:
    """A team with `items` items spread over clients, VAs, reviewers, SOPs, states and
    quadrants, the team's VA and QA on many of them, with reviews."""
    team = make_team()
    vas = [team.va, *(MembershipFactory(agency=team.agency, role="va") for _ in range(2))]
    reviewers = [team.qa, MembershipFactory(agency=team.agency, role="qa")]
    clients = [team.client, *(ClientFactory(agency=team.agency) for _ in range(3))]
    for client in clients:
        for va in vas:
            AssignmentFactory(client=client, membership=va)
    versions = [make_sop(team.agency.id) for _ in range(3)]
    for i in range(items):
        state = STATES[i % len(STATES)]
        item = make_item(
            versions[i % 3],
            clients[i % len(clients)].id,
            assignee_id=vas[i % 2].id,
            reviewer_id=reviewers[i % 2].id,
            state=state,
            urgent=bool(i % 2),
            important=bool(i // 2 % 2),
            due_in=dt.timedelta(hours=i - items // 2),
            done=i % 4,
            submitted_ago=dt.timedelta(hours=i + 1),
            rework_rounds=i % 3,
        )
        if state in ("approved", "delivered", "changes_requested"):
            if i % 3:
                make_review(item, "changes_requested", reviewer_id=reviewers[i % 2].id)
            make_review(item, "approved", reviewer_id=reviewers[i % 2].id, round=2)
    return {"team": team, "client_id": clients[1].id, "va_id": vas[1].id, "sop": versions[0]}


def measure(app, count_queries, world: dict) -> dict[str, int]:
    team = world["team"]
    slug = team.slug
    filtered = f"/board?assignee={world['va_id']}&sop={world['sop'].sop_id}"
    pages = {
        "my work (VA)": (team.va, "/my-work"),
        "my work, one quadrant": (team.va, "/my-work?quadrant=schedule"),
        "my work of a VA (owner)": (team.owner, f"/my-work?member={world['va_id']}"),
        "QA queue (QA)": (team.qa, "/qa"),
        "QA queue (owner)": (team.owner, "/qa"),
        "QA queue by reviewer": (team.manager, f"/qa?reviewer={team.qa.id}"),
        "board": (team.owner, "/board"),
        "board of a client": (team.owner, f"/board?client={world['client_id']}"),
        "board filtered": (team.manager, filtered),
        "board column": (team.owner, "/board?state=todo"),
        "all work (owner)": (team.owner, "/work"),
        "all work (VA), searched": (team.va, "/work?q=item&state=open&sort=updated"),
        "all work filtered": (team.manager, f"/work?client={world['client_id']}&overdue=true"),
        "quality": (team.owner, "/quality"),
        "quality 90 days": (team.manager, "/quality?days=90"),
    }  # fmt: skip
    browsers = {m.id: web(app, m) for m in (team.va, team.qa, team.owner, team.manager)}
    counts = {}
    for label, (member, path) in pages.items():
        browser = browsers[member.id]
        url = f"/{slug}{path}"
        browser.get(url)  # warm per-process caches (templates, compiled SQL)
        with count_queries() as statements:
            resp = browser.get(url)
        assert resp.status_code == 200, (label, resp.status_code)
        assert resp.get_data(as_text=True).count("data-item-id=") or "quality" in label, label
        counts[label] = len(statements)
    return counts


def test_statement_counts_do_not_grow_with_data(app, count_queries):
    small = measure(app, count_queries, fill(5 * len(STATES) // 4))
    large = measure(app, count_queries, fill(60))
    assert small == large
    for label, n in large.items():
        assert n <= MAX_STATEMENTS, f"{label}: {n} statements"


@pytest.mark.parametrize("items", [12])
def test_the_pages_measured_show_the_data(app, items):
    world = fill(items)
    team = world["team"]
    html = web(app, team.owner).get(f"/{team.slug}/board").get_data(as_text=True)
    assert html.count("data-item-id=") == items
