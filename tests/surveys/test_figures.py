"""Satisfaction figures on known data, the page's cost whatever the number of surveys, the
cockpit tile and the API."""

from __future__ import annotations

import datetime as dt

import time_machine

from app.core.cockpit import cockpit_tiles
from app.core.tenancy import all_tenants, tenant
from app.surveys.figures import nps_of, overall, satisfaction_report
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    SopFactory,
    SopVersionFactory,
    WorkItemFactory,
)
from tests.helpers import api_token, bearer
from tests.surveys.support import actor_of, approved_item, make_desk, make_survey, web

NOW = dt.datetime(2027, 6, 20, 12, tzinfo=dt.UTC)


def _known(desk) -> dict:
    """CSAT 5 and 3 on the VA's monthly reports (May, June), 1 on the other VA's social
    post (June); NPS 10, 9, 6 and 3 across two quarters; and an unanswered survey."""
    other_va = MembershipFactory(agency=desk.agency, role="va")
    social = SopVersionFactory(sop=SopFactory(agency=desk.agency, title="Social post"))
    a = approved_item(desk)
    b = approved_item(desk)
    c = WorkItemFactory(client=desk.client, sop_version=social, assignee_id=other_va.id)
    second = ClientFactory(agency=desk.agency, name="Zephyr Yoga")
    third = ClientFactory(agency=desk.agency, name="Zinc Labs")
    ids = {"va": desk.va.id, "other_va": other_va.id, "client": desk.client.id}
    ids["second"], ids["third"] = second.id, third.id
    ids["monthly_sop"], ids["social_sop"] = desk.sop_version.sop_id, social.sop_id
    may, june = dt.datetime(2027, 5, 10, tzinfo=dt.UTC), dt.datetime(2027, 6, 10, tzinfo=dt.UTC)
    make_survey(desk, item=a, score=5, sent_at=may)
    make_survey(desk, item=b, score=3, sent_at=june)
    make_survey(desk, item=c, score=1, sent_at=june)
    make_survey(
        desk, "nps", score=10, period="2027Q1", sent_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    )
    make_survey(desk, "nps", score=3, period="2027Q2", sent_at=june)
    make_survey(desk, "nps", score=9, period="2027Q2", sent_at=june, client_id=ids["second"])
    make_survey(desk, "nps", score=6, period="2027Q2", sent_at=june, client_id=ids["third"])
    make_survey(desk, "nps", period="2026Q4", sent_at=june)  # not answered: not counted
    return ids


def test_nps_is_promoters_minus_detractors():
    assert nps_of(2, 1, 4) == 25 and nps_of(0, 3, 3) == -100 and nps_of(0, 0, 0) is None


def test_figures_on_known_data():
    desk = make_desk()
    ids = _known(desk)
    with time_machine.travel(NOW, tick=False), tenant(desk.agency.id):
        report = satisfaction_report("UTC")
        # the last 90 days: everything but the March NPS answer
        assert report.overall.csat == 3.0 and report.overall.csat_count == 3
        assert report.overall.nps == -33 and report.overall.nps_count == 3
        assert [(f.key, f.csat, f.csat_count, f.nps, f.nps_count) for f in report.clients] == [
            (str(ids["client"]), 3.0, 3, 0, 2),  # NPS 10 and 3: one promoter, one detractor
            (str(ids["second"]), None, 0, 100, 1),
            (str(ids["third"]), None, 0, -100, 1),
        ]
        assert {(f.key, f.csat, f.csat_count) for f in report.vas} == {
            (str(ids["va"]), 4.0, 2),
            (str(ids["other_va"]), 1.0, 1),
        }
        assert {(f.key, f.csat) for f in report.sops} == {
            (str(ids["monthly_sop"]), 4.0),
            (str(ids["social_sop"]), 1.0),
        }
        assert [(f.key, f.csat, f.nps) for f in report.months] == [
            ("2027-03", None, 100),
            ("2027-05", 5.0, None),
            ("2027-06", 2.0, -33),
        ]
        assert [(f.key, f.nps, f.nps_count) for f in report.quarters] == [
            ("2027Q1", 100, 1),
            ("2027Q2", -33, 3),
        ]
        # another agency's answers never count here
        other = make_desk()
    make_survey(other, item=approved_item(other), score=1, sent_at=NOW)
    with time_machine.travel(NOW, tick=False), tenant(desk.agency.id):
        assert overall().csat == 3.0


def test_months_follow_the_agency_zone():
    desk = make_desk()
    item = approved_item(desk)
    # 23:30 UTC on 30 June is already July in Tokyo
    make_survey(desk, item=item, score=4, sent_at=dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC))
    with time_machine.travel(NOW + dt.timedelta(days=20), tick=False), all_tenants():
        agency_id = desk.agency.id
    with time_machine.travel(NOW + dt.timedelta(days=20), tick=False), tenant(agency_id):
        assert [f.key for f in satisfaction_report("Asia/Tokyo").months] == ["2027-07"]
        assert [f.key for f in satisfaction_report("UTC").months] == ["2027-06"]


def test_the_page_costs_the_same_with_more_surveys(app, count_queries):
    desk = make_desk()
    with all_tenants():
        owner, slug = desk.owner, desk.slug
    with time_machine.travel(NOW, tick=False):
        http = web(app, owner)
        _ = [make_survey(desk, item=approved_item(desk), score=4) for _ in range(2)]
        with count_queries() as few:
            assert http.get(f"/{slug}/satisfaction").status_code == 200
        for n in range(15):
            make_survey(desk, item=approved_item(desk), score=n % 5 + 1)
            make_survey(desk, "nps", score=n % 11, period=f"20{10 + n}Q1")
        with count_queries() as many:
            page = http.get(f"/{slug}/satisfaction")
    assert page.status_code == 200 and 'data-testid="per-client"' in page.get_data(as_text=True)
    assert len(many) == len(few)


def test_owners_and_managers_only(app):
    desk = make_desk()
    with all_tenants():
        slug = desk.slug
        people = {"va": desk.va, "qa": desk.qa, "client": desk.contact, "manager": desk.manager}
    for role, member in people.items():
        with all_tenants():
            http = web(app, member)
        expected = 200 if role == "manager" else 403
        assert http.get(f"/{slug}/satisfaction").status_code == expected, role


def test_cockpit_tile(app):
    desk = make_desk()
    item = approved_item(desk)
    make_survey(desk, item=item, score=4, sent_at=NOW - dt.timedelta(days=3))
    make_survey(desk, "nps", score=10, period="2027Q2", sent_at=NOW - dt.timedelta(days=3))
    with time_machine.travel(NOW, tick=False), tenant(desk.agency.id), app.test_request_context():
        tiles = {t.key: t for t in cockpit_tiles(actor_of(desk.owner))}
        assert tiles["satisfaction"].value == "CSAT 4 · NPS 100"
        assert tiles["satisfaction"].href.endswith(f"/{desk.slug}/satisfaction")
        assert "satisfaction" not in {t.key for t in cockpit_tiles(actor_of(desk.va))}


def test_api_lists_surveys_and_figures(app):
    desk = make_desk()
    other = make_desk()
    item, their_item = approved_item(desk), approved_item(other)
    with all_tenants():
        owner_token, client_token, va_token = (
            api_token(desk.owner),
            api_token(desk.contact),
            api_token(desk.va),
        )
        slug = desk.slug
    mine, _ = make_survey(desk, item=item, score=5, sent_at=NOW)
    make_survey(other, item=their_item, score=1, sent_at=NOW)
    http = app.test_client()
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        listed = http.get(f"/api/v1/{slug}/surveys", headers=bearer(owner_token)).get_json()
        assert [s["id"] for s in listed["items"]] == [mine] and listed["items"][0]["score"] == 5
        assert http.get(f"/api/v1/{slug}/surveys", headers=bearer(client_token)).status_code == 200
        assert (
            http.get(f"/api/v1/{slug}/surveys?kind=bad", headers=bearer(owner_token)).status_code
            == 422
        )
        figures = http.get(f"/api/v1/{slug}/surveys/figures", headers=bearer(owner_token))
        assert figures.get_json()["overall"]["csat"] == 5.0
        assert (
            http.get(f"/api/v1/{slug}/surveys/figures", headers=bearer(va_token)).status_code == 403
        )
