"""Estimates against actual time: the actual time per SOP version (median, middle half,
quickest and longest, how many items) on the SOP pages, and the accuracy report per VA and
per SOP, against figures computed by hand; the PostgreSQL statement and the path SQLite
takes give the same answers.

Delivered items (estimate -> actual time, in minutes; every item's time is split between
two entries):

    item  SOP version  assignee  estimate  actual  ratio    delivered
    i1    X v1         va        60        60      1.0      5 days ago
    i2    X v1         va        60        72      1.2      5 days ago (the upper edge)
    i3    X v1         va2       60        48      0.8      5 days ago (the lower edge)
    i4    X v1         va2       60        120     2.0      5 days ago
    i5    X v2         va        100       30      0.3      5 days ago
    i6    X v2         va        -         90      -        5 days ago
    i8    X v1         va        60        61      1.0167   200 days ago
    i10   Y v1         va2       30        33      1.1      5 days ago

Not counted anywhere: an item still open with 500 minutes, a cancelled one with 200, and a
timer running on i1 (the VA's own runs on other work).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.reports import estimates
from app.reports.estimates import estimate_report, sop_version_spreads
from tests.clients.support import api, web
from tests.factories import SopFactory, SopVersionFactory, WorkItemFactory
from tests.reports.support import MIN, NOW, add_entry


def _item(world, version, assignee, estimate, minutes, *, days_ago=5, state="delivered"):
    item = WorkItemFactory(
        client=world.team.client,
        sop_version=version,
        assignee_id=assignee.id,
        estimate_minutes=estimate,
        state=state,
        delivered_at=NOW - dt.timedelta(days=days_ago) if state == "delivered" else None,
        cancelled_at=NOW - dt.timedelta(days=days_ago) if state == "cancelled" else None,
        checklist=False,
    )
    first = minutes // 2
    day = (NOW - dt.timedelta(days=days_ago + 1)).date()
    add_entry(assignee, world.client_id, day, first, work_item_id=item.id)
    add_entry(world.owner, world.client_id, day, minutes - first, work_item_id=item.id)
    return item


@pytest.fixture
def sops(world):
    x = SopFactory(agency=world.agency, title="Month-end close")
    y = SopFactory(agency=world.agency, title="Recall letters")
    x1 = SopVersionFactory(sop=x)
    x2 = SopVersionFactory(sop=x)  # current
    y1 = SopVersionFactory(sop=y)
    va, va2 = world.va, world.va2
    items = {
        "i1": _item(world, x1, va, 60, 60),
        "i2": _item(world, x1, va, 60, 72),
        "i3": _item(world, x1, va2, 60, 48),
        "i4": _item(world, x1, va2, 60, 120),
        "i5": _item(world, x2, va, 100, 30),
        "i6": _item(world, x2, va, None, 90),
        "i8": _item(world, x1, va, 60, 61, days_ago=200),
        "i10": _item(world, y1, va2, 30, 33),
        "open": _item(world, x1, va, 60, 500, state="in_progress"),
        "cancelled": _item(world, x1, va, 60, 200, state="cancelled"),
    }
    add_entry(
        va2, world.client_id, NOW.date(), 10, work_item_id=items["i1"].id, state="running",
        start=NOW - dt.timedelta(minutes=10),
    )  # fmt: skip
    return {"x": x.id, "y": y.id, "x1": x1.id, "x2": x2.id, "y1": y1.id, "items": items}


def _actor(world, role="owner") -> Actor:
    member = getattr(world, role)
    return Actor(user=member.user, agency=world.agency, membership=member)


@pytest.mark.parametrize("in_sql", [True, False], ids=["postgresql", "sqlite-path"])
def test_actual_time_per_sop_version(app, world, sops, in_sql):
    with tenant(world.agency.id):
        spreads = sop_version_spreads(_actor(world), in_sql=in_sql)
    x1, x2, y1 = spreads[sops["x1"]], spreads[sops["x2"]], spreads[sops["y1"]]
    # v1: 48, 60, 61, 72, 120 minutes
    assert (x1.items, x1.median, x1.p25, x1.p75, x1.low, x1.high) == (
        5, 61 * MIN, 60 * MIN, 72 * MIN, 48 * MIN, 120 * MIN,
    )  # fmt: skip
    # v2: 30 and 90 minutes (the item without an estimate counts here)
    assert (x2.items, x2.median, x2.p25, x2.p75, x2.low, x2.high) == (
        2, 60 * MIN, 45 * MIN, 75 * MIN, 30 * MIN, 90 * MIN,
    )  # fmt: skip
    assert (y1.items, y1.median) == (1, 33 * MIN)
    assert set(spreads) >= {sops["x1"], sops["x2"], sops["y1"]}
    with tenant(world.agency.id):
        assert sop_version_spreads(_actor(world, "va"), in_sql=in_sql) == {}


@pytest.mark.parametrize("in_sql", [True, False], ids=["postgresql", "sqlite-path"])
def test_actual_time_of_a_version_is_over_its_latest_delivered_items(
    app, world, sops, in_sql, monkeypatch
):
    """A version's figures are over its latest SAMPLE delivered items: with four, v1's item
    delivered 200 days ago (61 minutes) drops out and the median moves to 66 minutes."""
    monkeypatch.setattr(estimates, "SAMPLE", 4)
    with tenant(world.agency.id):
        spreads = sop_version_spreads(_actor(world), [sops["x1"], sops["y1"]], in_sql=in_sql)
    x1 = spreads[sops["x1"]]
    assert (x1.items, x1.median, x1.low, x1.high) == (4, 66 * MIN, 48 * MIN, 120 * MIN)
    assert spreads[sops["y1"]].items == 1 and sops["x2"] not in spreads


def _figures(row: dict) -> tuple:
    return (row["items"], row["median_ratio"], row["within"], row["under"], row["over"])


@pytest.mark.parametrize("in_sql", [True, False], ids=["postgresql", "sqlite-path"])
def test_estimate_accuracy_per_va_and_per_sop(app, world, sops, in_sql):
    with tenant(world.agency.id):
        report = estimate_report(_actor(world), days=90, now=NOW, in_sql=in_sql)
        year = estimate_report(_actor(world), days=365, now=NOW, in_sql=in_sql)
    o = report.overall
    # ratios 0.3, 0.8, 1.0, 1.1, 1.2, 2.0: both edges are within
    assert (o.items, o.median_ratio, o.within, o.under, o.over) == (6, 1.05, 4, 1, 1)
    assert o.within_percent == 67
    by_va = {f.key: (f.items, f.median_ratio, f.within, f.under, f.over) for f in report.by_va}
    assert by_va == {world.va.id: (3, 1.0, 2, 1, 0), world.va2.id: (3, 1.1, 2, 0, 1)}
    by_sop = {f.key: (f.items, f.median_ratio, f.within, f.under, f.over) for f in report.by_sop}
    assert by_sop == {sops["x"]: (5, 1.0, 3, 1, 1), sops["y"]: (1, 1.1, 1, 0, 0)}
    assert {f.label for f in report.by_va} == {world.va.user.name, "Zoe Quinn"}
    assert year.overall.items == 7 and year.overall.median_ratio == 1.0167


def test_the_estimates_page_and_api(app, world, sops):
    body = api(app, world.manager).get("/reports/estimates").json
    assert _figures(body["overall"]) == (6, 1.05, 4, 1, 1)
    assert body["overall"]["within_share"] == pytest.approx(4 / 6)
    assert {r["key"]: _figures(r) for r in body["by_sop"]} == {
        sops["x"]: (5, 1.0, 3, 1, 1),
        sops["y"]: (1, 1.1, 1, 0, 0),
    }
    assert api(app, world.manager).get("/reports/estimates?days=365").json["overall"]["items"] == 7
    page = web(app, world.owner).get(f"/{world.slug}/reports/estimates").get_data(as_text=True)
    assert re.search(r'data-testid="overall-median">105%<', page)
    assert re.search(r'data-testid="overall-within">67%<', page)
    assert f'<tr data-key="{world.va2.id}" data-items="3" data-median-ratio="1.1"' in page
    assert 'id="estimate-sop-chart"' in page
    bad = web(app, world.owner).get(f"/{world.slug}/reports/estimates?days=7")
    assert bad.status_code == 422 and 'data-field-error="days"' in bad.get_data(as_text=True)


def test_the_sop_library_shows_owners_and_managers_the_actual_time(app, world, sops):
    library = web(app, world.owner).get(f"/{world.slug}/sops").get_data(as_text=True)
    row = library[library.index(f'data-sop-id="{sops["x"]}"') :]
    row = row[: row.index("</tr>")]
    # The current version (v2): 30 and 90 minutes.
    assert 'data-median-seconds="3600.0"' in row and ">1 h<" in row
    assert "(middle half 45 min–1 h 15 min)" in row and "2 delivered items" in row
    assert "Quickest 30 min, longest 1 h 30 min" in row
    detail = web(app, world.manager).get(f"/{world.slug}/sops/{sops['x']}").get_data(as_text=True)
    assert "took a median of <bdi>1 h</bdi>" in detail
    spreads = re.findall(r'data-testid="version-spread" data-items="(\d+)"', detail)
    assert sorted(spreads) == ["2", "5"]  # v2 and v1 in the version list
    for role in ("va", "qa"):
        page = web(app, getattr(world, role)).get(f"/{world.slug}/sops").get_data(as_text=True)
        assert "Actual time" not in page and "delivered item" not in page
        detail = web(app, getattr(world, role)).get(f"/{world.slug}/sops/{sops['x']}")
        assert "delivered item" not in detail.get_data(as_text=True)


def test_the_work_item_page_shows_time_spent_against_the_estimate(app, world, sops):
    item = sops["items"]["i2"]  # 72 minutes of 60: 36 by its VA, 36 by the owner
    page = web(app, world.owner).get(f"/{world.slug}/work/{item.id}").get_data(as_text=True)
    assert 'data-used-percent="120"' in page and "1 h 12 min of 1 h estimated" in page
    assert "text-danger fw-semibold" in page  # over the estimate
    assert f'href="/{world.slug}/work/{item.id}/time"' in page
    own = web(app, world.va).get(f"/{world.slug}/work/{item.id}").get_data(as_text=True)
    assert 'data-used-percent="60"' in own and "your own time" in own
    assert "36 min of 1 h estimated" in own
    qa = web(app, world.qa).get(f"/{world.slug}/work/{item.id}").get_data(as_text=True)
    assert 'data-testid="estimate-bar"' not in qa


def test_the_client_page_links_its_time_with_the_totals(app, world):
    page = web(app, world.owner).get(f"/{world.slug}/clients/{world.client_id}")
    html = page.get_data(as_text=True)
    assert f'href="/{world.slug}/clients/{world.client_id}/time"' in html
    # Harbour Bakery, all time: e1 90, e2 60 (not billable), e5 120, e6 240
    assert re.search(r'data-testid="time-here-total">8 h 30 min<', html)
    assert "7 h 30 min billable" in html
