"""The time report: every grouping and filter against totals computed by hand from the month
of tests/reports/support.py, through the API and the page; a VA's own time only; periods;
a running timer counting up to now; bad filters refused naming the field."""

from __future__ import annotations

import re

import pytest

from app.core.clock import utcnow
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.reports.queries import time_report
from tests.clients.support import api, web
from tests.reports.support import MIN

# group -> {key: (entries, minutes, billable minutes)} for March 2026 (the default period).
# Keys are as the API writes them (ids filled in by `expected`).
EXPECTED = {
    "client": {"harbour": (3, 270, 210), "cedar": (3, 90, 75)},
    "member": {"va": (4, 225, 165), "va2": (1, 120, 120), "owner": (1, 15, 0)},
    "sop": {"sop_a": (2, 210, 210), "sop_b": (2, 75, 75), None: (2, 75, 0)},
    "activity": {"admin": (3, 240, 240), "research": (1, 60, 0), None: (2, 60, 45)},
    "billable": {True: (4, 285, 285), False: (2, 75, 0)},
    "state": {
        "open": (2, 105, 90),
        "approved": (2, 180, 120),
        "billed": (1, 45, 45),
        "running": (1, 30, 30),
    },
    "day": {
        "2026-03-02": (1, 90, 90),
        "2026-03-03": (1, 15, 0),
        "2026-03-09": (1, 60, 0),
        "2026-03-10": (2, 165, 165),
        "2026-03-11": (1, 30, 30),
    },
    "week": {"2026-03-02": (2, 105, 90), "2026-03-09": (4, 255, 195)},
    "month": {"2026-03-01": (6, 360, 285)},
}


def _key(world, name):
    ids = {
        "harbour": world.client_id,
        "cedar": world.other_client_id,
        "va": world.va.id,
        "va2": world.va2.id,
        "owner": world.owner.id,
        "sop_a": world.sop_a,
        "sop_b": world.sop_b,
        "admin": world.activity_id,
        "research": world.research_id,
    }
    return ids.get(name, name) if isinstance(name, str) else name


def expected(world, group: str) -> dict:
    return {
        _key(world, k): (n, minutes * MIN, billable * MIN)
        for k, (n, minutes, billable) in EXPECTED[group].items()
    }


def got(body: dict) -> dict:
    return {g["key"]: (g["entries"], g["seconds"], g["billable_seconds"]) for g in body["groups"]}


@pytest.mark.parametrize("group", list(EXPECTED))
def test_every_grouping_adds_up_to_the_hand_computed_figures(app, world, group):
    resp = api(app, world.owner).get(f"/reports/time?group={group}")
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert got(body) == expected(world, group)
    assert body["totals"] == {
        "entries": 6,
        "seconds": 360 * MIN,
        "billable_seconds": 285 * MIN,
        "hours": 6.0,
        "billable_hours": 4.75,
    }
    assert body["period"] == {
        "name": "this_month",
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
    }


def test_the_page_shows_the_same_groups_and_totals(app, world):
    page = web(app, world.manager).get(f"/{world.slug}/reports/time?group=member")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = re.findall(
        r'<tr data-key="(\d+)" data-seconds="(\d+)" data-billable-seconds="(\d+)"', html
    )
    want = expected(world, "member")
    assert {int(k): (int(s), int(b)) for k, s, b in rows} == {
        k: (s, b) for k, (_, s, b) in want.items()
    }
    assert re.search(r'data-testid="report-total">6 h<', html)
    assert re.search(r'data-testid="report-billable">4 h 45 min<', html)
    assert 'id="time-chart"' in html and "Zoe Quinn" in html
    assert 'name="member_id"' in html  # owners and managers filter by person
    csv_link = re.search(r'href="([^"]+)" data-testid="time-csv"', html).group(1)
    assert "/reports/time.csv?" in csv_link and "group=member" in csv_link
    assert 'value="this_month" selected' in html  # the lists show the defaults in force


@pytest.mark.parametrize(
    ("query", "entries", "minutes", "billable"),
    [
        ("client_id={harbour}", 3, 270, 210),
        ("member_id={va2}", 1, 120, 120),
        ("sop_id={sop_a}", 2, 210, 210),
        ("activity_id={research}", 1, 60, 0),
        ("billable=true", 4, 285, 285),
        ("billable=false", 2, 75, 0),
        ("state=approved", 2, 180, 120),
        ("state=running", 1, 30, 30),
        ("state=billed&client_id={cedar}", 1, 45, 45),
        ("date_from=2026-03-09&date_to=2026-03-10", 3, 225, 165),
        ("period=last_month", 1, 240, 240),
        ("period=this_week", 4, 255, 195),
        ("period=last_week", 2, 105, 90),
        ("period=all", 7, 600, 525),
        ("period=this_year&member_id={va2}", 2, 360, 360),
        ("client_id={harbour}&activity_id={admin}&member_id={va}", 1, 90, 90),
    ],
)
def test_filters_select_the_hand_counted_entries(app, world, query, entries, minutes, billable):
    ids = {
        "harbour": world.client_id,
        "cedar": world.other_client_id,
        "va": world.va.id,
        "va2": world.va2.id,
        "sop_a": world.sop_a,
        "admin": world.activity_id,
        "research": world.research_id,
    }
    resp = api(app, world.manager).get("/reports/time?" + query.format(**ids))
    assert resp.status_code == 200, resp.json
    totals = resp.json["totals"]
    assert (totals["entries"], totals["seconds"], totals["billable_seconds"]) == (
        entries,
        minutes * MIN,
        billable * MIN,
    )


def test_a_va_sees_only_their_own_time(app, world):
    own = api(app, world.va).get("/reports/time?group=member").json
    assert got(own) == {world.va.id: (4, 225 * MIN, 165 * MIN)}
    others = api(app, world.va).get(f"/reports/time?member_id={world.va2.id}").json
    assert others["groups"] == [] and others["totals"]["seconds"] == 0
    page = web(app, world.va).get(f"/{world.slug}/reports/time").get_data(as_text=True)
    assert "Your own time" in page
    assert 'name="member_id"' not in page and "Zoe Quinn" not in page
    assert re.search(r'data-testid="report-total">3 h 45 min<', page)


def test_a_running_timer_counts_up_to_now(app, world, frozen):
    before = api(app, world.owner).get("/reports/time?state=running").json["totals"]
    frozen.shift(15 * MIN)
    after = api(app, world.owner).get("/reports/time?state=running").json["totals"]
    assert (before["seconds"], after["seconds"]) == (30 * MIN, 45 * MIN)


def test_labels_are_names_titles_and_dates(app, world):
    http = api(app, world.owner)
    labels = {g["key"]: g["label"] for g in http.get("/reports/time?group=week").json["groups"]}
    assert labels == {"2026-03-02": "Week of 2 Mar 2026", "2026-03-09": "Week of 9 Mar 2026"}
    month = http.get("/reports/time?group=month").json["groups"]
    assert [g["label"] for g in month] == ["March 2026"]
    sops = {g["key"]: g["label"] for g in http.get("/reports/time?group=sop").json["groups"]}
    assert sops[None] == "No SOP" and sops[world.sop_a] == "Monthly report"  # its version's title
    states = [g["label"] for g in http.get("/reports/time?group=state").json["groups"]]
    assert set(states) == {"Approved", "Not approved yet", "Billed", "Timer running"}
    french = http.client.get(
        f"/api/v1/{world.slug}/reports/time?group=activity",
        headers={**http.headers, "Accept-Language": "fr"},
    ).json
    assert "Administratif" in {g["label"] for g in french["groups"]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group=colour", "group"),
        ("state=paid", "state"),
        ("period=fortnight", "period"),
        ("billable=maybe", "billable"),
        ("date_from=2026-03-10&date_to=2026-03-01", "date_to"),
        ("date_from=next+tuesday", "date_from"),
        ("client_id=0", "client_id"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(app, world, query, field):
    resp = api(app, world.owner).get(f"/reports/time?{query}")
    assert resp.status_code == 422 and field in resp.json["errors"], resp.json
    page = web(app, world.owner).get(f"/{world.slug}/reports/time?{query}")
    assert page.status_code == 422
    assert f'data-field-error="{field}"' in page.get_data(as_text=True)
    csv = web(app, world.owner).get(f"/{world.slug}/reports/time.csv?{query}")
    assert csv.status_code == 422


@pytest.mark.parametrize("group", ["member", "activity", "sop", "state"])
def test_past_the_largest_groups_the_rest_is_one_others_row_and_totals_stay_whole(
    app, world, group
):
    """A large agency's month has thousands of clients: the report names the largest groups
    only and sums up the rest, yet its totals and its count of groups are over all of them."""
    want = expected(world, group)
    largest = sorted(want.items(), key=lambda kv: -kv[1][1])[:2]
    actor = Actor(user=world.owner.user, agency=world.agency, membership=world.owner)
    with app.test_request_context(), tenant(world.agency.id):
        report = time_report(actor, {"group": group}, today=utcnow().date(), now=utcnow(), limit=2)
    assert [f.seconds for f in report.groups] == [figures[1] for _, figures in largest]
    assert report.group_count == len(want)
    rest = [figures for key, figures in want.items() if key not in dict(largest)]
    assert (report.others.entries, report.others.seconds, report.others.billable_seconds) == (
        sum(r[0] for r in rest),
        sum(r[1] for r in rest),
        sum(r[2] for r in rest),
    )
    assert (report.totals.entries, report.totals.seconds) == (6, 360 * MIN)


def test_a_report_with_every_group_shown_has_no_others_row(app, world):
    resp = api(app, world.owner).get("/reports/time?group=client")
    assert resp.json["group_count"] == 2 and resp.json["others"] is None
