"""Answering: the public page behind the emailed link (a GET changes nothing, the POST
records), refused tokens, the 24-hour change window, the portal, and the follow-up item a
low score opens."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from app.sops.models import Sop
from app.work.models import WorkItem
from tests.surveys.support import approved_item, make_desk, make_survey, surveys, web

T0 = dt.datetime(2027, 5, 4, 9, tzinfo=dt.UTC)


def _row(survey_id: int) -> tuple:
    s = next(s for s in surveys() if s.id == survey_id)
    return (s.score, s.comment, s.answered_at, s.first_answered_at, s.follow_up_item_id)


def _audit_count() -> int:
    with all_tenants():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def _follow_ups() -> list[WorkItem]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(WorkItem)
                .join(Sop, Sop.id == WorkItem.sop_id)
                .where(Sop.slug == "client-follow-up")
            )
        )


def test_opening_the_link_changes_nothing_and_the_button_records(client):
    desk = make_desk()
    item = approved_item(desk, title="April bookkeeping")
    survey, raw = make_survey(desk, item=item, sent_at=T0)
    url = f"/survey/{raw}"
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        before, audits = _row(survey), _audit_count()
        for _ in range(2):  # a mail scanner, then the person
            page = client.get(f"{url}?score=4")
            assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "How satisfied are you with April bookkeeping?" in html
        assert 'id="a-score-4" value="4" autocomplete="off" checked' in html
        assert _row(survey) == before and _audit_count() == audits
        resp = client.post(url, data={"score": "4", "comment": "Quick and tidy."})
    assert resp.status_code == 200 and 'data-testid="survey-thanks"' in resp.get_data(as_text=True)
    score, comment, answered_at, first, follow_up = _row(survey)
    assert (score, comment, follow_up) == (4, "Quick and tidy.", None)
    assert answered_at == first == T0 + dt.timedelta(hours=2)
    assert _audit_count() == audits + 1


def test_bad_scores_are_refused_naming_the_field(client):
    desk = make_desk()
    survey, raw = make_survey(desk, item=approved_item(desk))
    for bad in ("6", "0", "x", ""):
        resp = client.post(f"/survey/{raw}", data={"score": bad})
        assert resp.status_code == 422, bad
        assert 'data-field-error="score"' in resp.get_data(as_text=True)
    assert _row(survey)[0] is None


def test_expired_and_forged_tokens_are_refused_and_a_token_answers_only_its_survey(client):
    desk = make_desk()
    other = make_desk()
    mine_item, their_item = approved_item(desk), approved_item(other)
    survey, raw = make_survey(desk, item=mine_item, sent_at=T0)
    theirs, their_raw = make_survey(other, item=their_item, sent_at=T0)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert client.get(f"/survey/{raw[:-3]}abc").status_code == 404
        assert client.post(f"/survey/{raw[:-3]}abc", data={"score": 5}).status_code == 404
        # the other agency's token answers the other agency's survey, never this one
        assert client.post(f"/survey/{their_raw}", data={"score": 4}).status_code == 200
        assert _row(survey)[0] is None and _row(theirs)[0] == 4
    with time_machine.travel(T0 + dt.timedelta(days=30, minutes=1), tick=False):
        assert client.get(f"/survey/{raw}").status_code == 410
        assert client.post(f"/survey/{raw}", data={"score": 5}).status_code == 410
    assert _row(survey)[0] is None
    assert _follow_ups() == []


def test_an_answer_can_be_changed_for_24_hours_then_it_is_final(client):
    desk = make_desk()
    survey, raw = make_survey(desk, item=approved_item(desk), sent_at=T0)
    url = f"/survey/{raw}"
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        assert client.post(url, data={"score": "3"}).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(hours=24, minutes=59), tick=False):
        assert client.post(url, data={"score": "5", "comment": "Better now"}).status_code == 200
    assert _row(survey)[:2] == (5, "Better now")
    with time_machine.travel(T0 + dt.timedelta(hours=25, minutes=1), tick=False):
        resp = client.post(url, data={"score": "4"})
        assert resp.status_code == 409
        assert 'data-testid="survey-final"' in client.get(url).get_data(as_text=True)
    assert _row(survey)[0] == 5
    assert _row(survey)[3] == T0 + dt.timedelta(hours=1)


def test_a_low_csat_opens_one_follow_up_for_the_owner(client):
    desk = make_desk()
    item = approved_item(desk, title="Quarterly filing")
    owner_id, client_id, qa_id = desk.owner.id, desk.client.id, desk.qa.id
    agency_id = desk.agency.id
    survey, raw = make_survey(desk, item=item, sent_at=T0)
    url = f"/survey/{raw}"
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        client.post(url, data={"score": "2", "comment": "Two figures were wrong."})
        client.post(url, data={"score": "1", "comment": "Actually worse."})
    [follow_up] = _follow_ups()
    assert follow_up.assignee_id == owner_id and follow_up.client_id == client_id
    assert follow_up.reviewer_id == qa_id and follow_up.state == "todo"
    assert "Quarterly filing" in follow_up.title and "2 of 5" in follow_up.title
    assert "Two figures were wrong." in follow_up.description
    assert _row(survey)[4] == follow_up.id
    # the follow-up SOP was installed from sops/ into this agency only
    with all_tenants():
        slugs = db.session.scalars(sa.select(Sop.agency_id).where(Sop.slug == "client-follow-up"))
        assert list(slugs) == [agency_id]


def test_nps_detractors_open_a_follow_up_and_passives_do_not(client):
    desk = make_desk()
    passive, passive_raw = make_survey(desk, "nps", period="2027Q2", sent_at=T0)
    detractor, detractor_raw = make_survey(desk, "nps", period="2027Q1", sent_at=T0)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        client.post(f"/survey/{passive_raw}", data={"score": "7"})
        assert _follow_ups() == []
        client.post(f"/survey/{detractor_raw}", data={"score": "6"})
    [follow_up] = _follow_ups()
    assert "6 of 10" in follow_up.title
    assert _row(detractor)[4] == follow_up.id and _row(passive)[4] is None


def test_the_client_contact_answers_in_the_portal(app):
    desk = make_desk()
    other = make_desk()
    mine_item, their_item = approved_item(desk, title="Inbox week 18"), approved_item(other)
    survey, _ = make_survey(desk, item=mine_item, sent_at=T0)
    theirs, _ = make_survey(other, item=their_item, sent_at=T0)
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        with all_tenants():
            contact_id = desk.contact.id
            http = web(app, desk.contact)
        page = http.get(f"/{desk.slug}/portal/surveys").get_data(as_text=True)
        assert "Inbox week 18" in page and f'data-survey-id="{survey}"' in page
        bad = http.post(f"/{desk.slug}/portal/surveys/{survey}", data={"score": "9"})
        assert bad.status_code == 422 and 'data-field-error="score"' in bad.get_data(as_text=True)
        resp = http.post(f"/{desk.slug}/portal/surveys/{survey}", data={"score": "5"})
        assert resp.status_code == 302
        # another agency's survey id does not exist here
        assert (
            http.post(f"/{desk.slug}/portal/surveys/{theirs}", data={"score": "5"}).status_code
            == 404
        )
    assert _row(survey)[0] == 5 and _row(theirs)[0] is None
    assert next(s for s in surveys() if s.id == survey).answered_by_id == contact_id


def test_staff_cannot_answer_for_the_client(app):
    desk = make_desk()
    survey, _ = make_survey(desk, item=approved_item(desk))
    with all_tenants():
        members = [desk.owner, desk.va]
        slug = desk.slug
    for member in members:
        with all_tenants():
            http = web(app, member)
        resp = http.post(f"/{slug}/portal/surveys/{survey}", data={"score": "5"})
        assert resp.status_code == 403
    assert _row(survey)[0] is None
