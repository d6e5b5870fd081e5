"""Quality figures against hand-computed expectations: first-pass yield, rework rounds and
review turnaround (median, p90) per VA, SOP and reviewer, over 30 and 90 days."""

from __future__ import annotations

import datetime as dt

import pytest

from app.boards.quality import (
    Cell,
    human_duration,
    percentile,
    quality_report,
    roll_up,
    turnaround,
    turnaround_by_key,
)
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.extensions import db
from tests.clients.support import web
from tests.factories import ClientFactory, MembershipFactory
from tests.work_screens.conftest import Shop
from tests.work_screens.support import make_item, make_review, make_sop

D = dt.timedelta(days=1)


# --- pure functions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.9, 7.0),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([4, 1, 3, 2], 0.5, 2.5),  # unsorted input
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9, 91.0),  # 9 + .1 between 90 and 100
        ([600, 1200, 1800, 2400, 3600, 5400, 7200, 10800], 0.9, 8280.0),
        ([1, 2, 3], 0.0, 1.0),
        ([1, 2, 3], 1.0, 3.0),
    ],
)
def test_percentile_interpolates_like_percentile_cont(values, fraction, expected):
    assert percentile(values, fraction) == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0 s"),
        (45, "45 s"),
        (59.6, "1 min"),
        (12 * 60 + 30, "12 min"),
        (3600, "1 h"),
        (3 * 3600 + 12 * 60 + 5, "3 h 12 min"),
        (86400, "1 d"),
        (2 * 86400 + 5 * 3600 + 59, "2 d 5 h"),
        (-5, "0 s"),
    ],
)
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def test_roll_up_sums_cells_per_va_per_sop_and_overall():
    overall, by_va, by_sop = roll_up(
        [Cell(1, 10, 2, 1, 1), Cell(1, 20, 1, 0, 2), Cell(2, 20, 1, 1, 0), Cell(None, 10, 1, 1, 0)]
    )
    assert (overall.approved, overall.first_pass, overall.rework_rounds) == (5, 3, 3)
    assert overall.first_pass_yield == 0.6 and overall.average_rework == 0.6
    assert (by_va[1].approved, by_va[1].first_pass, by_va[1].rework_rounds) == (3, 1, 3)
    assert by_va[1].fpy_percent == 33 and by_va[1].average_rework == 1.0
    assert by_va[2].fpy_percent == 100 and by_va[None].approved == 1
    assert (by_sop[10].approved, by_sop[10].first_pass) == (3, 2)
    assert (by_sop[20].approved, by_sop[20].rework_rounds) == (2, 2)


def test_figures_without_approvals_have_no_yield():
    overall, by_va, by_sop = roll_up([])
    assert overall.first_pass_yield is None and overall.average_rework is None
    assert overall.fpy_percent is None and by_va == {} and by_sop == {}


def test_turnaround_by_key_groups_then_takes_percentiles():
    rows = [(1, 600), (1, 1200), (2, 10), (1, 1800), (None, 5)]
    assert turnaround_by_key(rows) == {
        1: (3, 1200.0, 1680.0),
        2: (1, 10.0, 10.0),
        None: (1, 5.0, 5.0),
    }


# --- from the database -------------------------------------------------------------------


def _world(shop: Shop):
    """The hand-computed scenario (see the expectations below).

    VA a = the team's VA, VA b = another; SOP x = the shop's, SOP y = another.
    1. a, x: approved first time (waited 3600)                       -> first pass
    2. a, x: changes (7200, 5 days ago), approved (1800)             -> 1 rework round
    3. a, y: changes (600), changes (1200), approved (2400)          -> 2 rework rounds
    4. b, y: approved first time (10800), by the owner as reviewer   -> first pass
    5. b, x: approved first time 40 days ago (86400)                 -> only in 90 days
    6. b, x: changes requested (5400), not approved yet              -> turnaround only
    Noise: a client approval (never QA turnaround) and another agency's reviews.
    """
    t = shop.team
    x = shop.version
    y = make_sop(t.agency.id, "Inbox zero")
    b = MembershipFactory(agency=t.agency, role="va")
    q, owner = t.qa.id, t.owner.id
    c = t.client.id

    def item(va, version):
        return make_item(version, c, assignee_id=va, reviewer_id=q, state="approved")

    i1 = item(t.va.id, x)
    make_review(i1, "approved", reviewer_id=q, waited_seconds=3600)
    make_review(i1, "client_approved", reviewer_id=t.contact.id, waited_seconds=99999)
    i2 = item(t.va.id, x)
    make_review(i2, "changes_requested", reviewer_id=q, waited_seconds=7200, ago=5 * D)
    make_review(i2, "approved", reviewer_id=q, round=2, waited_seconds=1800, ago=2 * D)
    i3 = item(t.va.id, y)
    make_review(i3, "changes_requested", reviewer_id=q, waited_seconds=600, ago=6 * D)
    make_review(i3, "changes_requested", reviewer_id=q, round=2, waited_seconds=1200, ago=4 * D)
    make_review(i3, "approved", reviewer_id=q, round=3, waited_seconds=2400, ago=3 * D)
    i4 = item(b.id, y)
    make_review(i4, "approved", reviewer_id=owner, waited_seconds=10800)
    i5 = item(b.id, x)
    make_review(i5, "approved", reviewer_id=q, waited_seconds=86400, ago=40 * D)
    i6 = make_item(x, c, assignee_id=b.id, reviewer_id=q, state="in_progress", rework_rounds=1)
    make_review(i6, "changes_requested", reviewer_id=q, waited_seconds=5400)
    # Another agency's reviews never count.
    elsewhere = ClientFactory(name="Elsewhere")
    their = make_item(make_sop(elsewhere.agency_id), elsewhere.id, state="approved")
    make_review(their, "approved", reviewer_id=None, waited_seconds=1)
    return {"a": t.va.id, "b": b.id, "x": x.sop_id, "y": y.sop_id, "q": q, "owner": owner}


def _actor(shop: Shop) -> Actor:
    m = shop.team.owner
    return Actor(user=m.user, agency=shop.team.agency, membership=m)


def _row(rows, key):
    return next(f for f in rows if f.key == key)


def test_quality_report_last_30_days(app, shop: Shop):
    k = _world(shop)
    with tenant(shop.team.agency.id):
        report = quality_report(_actor(shop), days=30)
    o = report.overall
    assert (o.approved, o.first_pass, o.rework_rounds) == (4, 2, 3)
    assert o.fpy_percent == 50 and o.average_rework == 0.75
    assert (o.reviews, o.median_wait, o.p90_wait) == (8, 3000.0, 8280.0)

    a, b = _row(report.by_va, k["a"]), _row(report.by_va, k["b"])
    assert (a.approved, a.first_pass, a.fpy_percent, a.average_rework) == (3, 1, 33, 1.0)
    assert (a.reviews, a.median_wait, a.p90_wait) == (6, 2100.0, 5400.0)
    assert (b.approved, b.first_pass, b.fpy_percent, b.average_rework) == (1, 1, 100, 0.0)
    assert (b.reviews, b.median_wait, b.p90_wait) == (2, 8100.0, 10260.0)
    assert a.label == shop.team.va.user.name

    x, y = _row(report.by_sop, k["x"]), _row(report.by_sop, k["y"])
    assert (x.approved, x.first_pass, x.average_rework) == (2, 1, 0.5)
    assert (x.reviews, x.median_wait, x.p90_wait) == (4, 4500.0, 6660.0)
    assert (y.approved, y.first_pass, y.average_rework) == (2, 1, 1.0)
    assert (y.reviews, y.median_wait, y.p90_wait) == (4, 1800.0, 8280.0)
    assert y.label == "Inbox zero"

    q, owner = _row(report.by_reviewer, k["q"]), _row(report.by_reviewer, k["owner"])
    assert (q.reviews, q.median_wait, q.p90_wait) == (7, 2400.0, 6120.0)
    assert (owner.reviews, owner.median_wait, owner.p90_wait) == (1, 10800.0, 10800.0)
    assert [f.key for f in report.by_va] == [k["a"], k["b"]]  # most approvals first


def test_quality_report_last_90_days(app, shop: Shop):
    k = _world(shop)
    with tenant(shop.team.agency.id):
        report = quality_report(_actor(shop), days=90)
    o = report.overall
    assert (o.approved, o.first_pass, o.rework_rounds, o.fpy_percent) == (5, 3, 3, 60)
    assert o.reviews == 9 and o.median_wait == 3600.0
    b = _row(report.by_va, k["b"])
    assert (b.approved, b.first_pass, b.reviews) == (2, 2, 3)


@pytest.mark.parametrize("grouping", [None, "assignee", "sop", "reviewer"])
def test_turnaround_in_python_matches_postgresql(app, shop: Shop, grouping):
    _world(shop)
    since = dt.datetime.now(dt.UTC) - 90 * D
    with tenant(shop.team.agency.id):
        in_sql = turnaround(_actor(shop), since, grouping, in_sql=True)
        in_python = turnaround(_actor(shop), since, grouping, in_sql=False)
    assert in_sql == in_python
    assert in_sql


def test_quality_page_shows_the_figures_and_the_chart(app, shop: Shop):
    _world(shop)
    browser = web(app, shop.team.owner)
    html = browser.get(f"/{shop.slug}/quality").get_data(as_text=True)
    assert 'data-testid="overall-fpy">50%' in html
    assert 'data-testid="overall-median">50 min' in html  # 3000 s
    assert 'data-testid="overall-p90">2 h 18 min' in html  # 8280 s
    assert 'id="fpy-sop-chart"' in html and "js/charts.js" in html
    assert "Inbox zero" in html
    html = browser.get(f"/{shop.slug}/quality?days=90").get_data(as_text=True)
    assert 'data-testid="overall-fpy">60%' in html
    assert browser.get(f"/{shop.slug}/quality?days=7").status_code == 422


def test_quality_figures_are_written_in_the_readers_locale(app, shop: Shop):
    _world(shop)
    shop.team.owner.user.locale = "ar_EG"
    db.session.commit()
    html = web(app, shop.team.owner).get(f"/{shop.slug}/quality").get_data(as_text=True)
    assert 'data-testid="overall-fpy">٥٠٪\u061c<' in html  # Arabic-Indic digits, Arabic percent
    assert 'data-testid="overall-rework">٠٫٧٥<' in html  # and decimal separator
    shop.team.owner.user.locale = "fr"
    db.session.commit()
    html = web(app, shop.team.owner).get(f"/{shop.slug}/quality").get_data(as_text=True)
    assert 'data-testid="overall-fpy">50\u00a0%<' in html
    assert 'data-testid="overall-rework">0,75<' in html
