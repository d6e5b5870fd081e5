"""The survey API of a client contact: their open surveys, and the answer to one, with the
portal page's rules (a score in the survey's scale, changeable for 24 hours, then final)."""

from __future__ import annotations

import datetime as dt

import time_machine

from app.core.tenancy import all_tenants, tenant
from tests.factories import ClientFactory, MembershipFactory
from tests.surveys.support import approved_item, make_desk, make_survey, surveys
from tests.work.support import api

T0 = dt.datetime(2027, 5, 4, 9, tzinfo=dt.UTC)


def _row(survey_id: int) -> tuple:
    s = next(s for s in surveys() if s.id == survey_id)
    return (s.score, s.comment, s.answered_by_id)


def test_a_client_contact_lists_open_surveys_and_answers_one(app):
    desk = make_desk()
    csat, _ = make_survey(desk, item=approved_item(desk, title="Inbox week 18"), sent_at=T0)
    nps, _ = make_survey(desk, "nps", period="2027Q2", sent_at=T0)
    answered, _ = make_survey(desk, "nps", period="2027Q1", score=9, sent_at=T0)
    with all_tenants():
        contact_id = desk.contact.id
        contact = api(app, desk.contact)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        listed = contact.get("/surveys/open")
        assert listed.status_code == 200, listed.json
        items = {s["id"]: s for s in listed.json["items"]}
        assert set(items) == {csat, nps}  # the answered one is not waiting
        assert (items[csat]["state"], items[csat]["scale_min"], items[csat]["scale_max"]) == (
            "open", 1, 5
        )  # fmt: skip
        assert (items[nps]["scale_min"], items[nps]["scale_max"]) == (0, 10)

        resp = contact.post(f"/surveys/{csat}/answer", json={"score": 4, "comment": " Quick "})
        assert resp.status_code == 200, resp.json
        assert (resp.json["score"], resp.json["state"]) == (4, "changeable")
        assert _row(csat) == (4, "Quick", contact_id)
        assert {s["id"] for s in contact.get("/surveys/open").json["items"]} == {nps}
        # within 24 hours the answer may still be changed, as on the page
        assert contact.post(f"/surveys/{csat}/answer", json={"score": 5}).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(hours=27), tick=False):
        late = contact.post(f"/surveys/{csat}/answer", json={"score": 1})
        assert late.status_code == 409, late.json
        assert contact.post(f"/surveys/{answered}/answer", json={"score": 1}).status_code == 409
    assert _row(csat)[0] == 5 and _row(answered)[0] == 9


def test_bad_scores_are_422_naming_the_field_and_change_nothing(app):
    desk = make_desk()
    csat, _ = make_survey(desk, item=approved_item(desk), sent_at=T0)
    with all_tenants():
        contact = api(app, desk.contact)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        for bad in ({}, {"score": 9}, {"score": 0}, {"score": "five"}, {"score": 3,
                    "comment": "x" * 2001}):  # fmt: skip
            resp = contact.post(f"/surveys/{csat}/answer", json=bad)
            assert resp.status_code == 422, (bad, resp.json)
            field = "comment" if "comment" in bad else "score"
            assert field in resp.json["errors"], (bad, resp.json)
    assert _row(csat) == (None, None, None)


def test_only_the_surveys_own_client_answers_it(app):
    desk = make_desk()
    other_desk = make_desk()
    mine, _ = make_survey(desk, item=approved_item(desk), sent_at=T0)
    theirs, _ = make_survey(other_desk, item=approved_item(other_desk), sent_at=T0)
    with tenant(desk.agency.id):
        neighbour = ClientFactory(agency=desk.agency, name="Neighbour")
        stranger = MembershipFactory(agency=desk.agency, role="client", client_id=neighbour.id)
    with all_tenants():
        contact, owner = api(app, desk.contact), api(app, desk.owner)
        stranger_api = api(app, stranger)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        assert stranger_api.get("/surveys/open").json["items"] == []
        assert stranger_api.post(f"/surveys/{mine}/answer", json={"score": 5}).status_code == 404
        assert contact.post(f"/surveys/{theirs}/answer", json={"score": 5}).status_code == 404
        assert owner.post(f"/surveys/{mine}/answer", json={"score": 5}).status_code == 403
        assert owner.get("/surveys/open").status_code == 403
    assert _row(mine)[0] is None and _row(theirs)[0] is None
