"""Intake questionnaires: versions (an answered version is never changed), sending one to a
client once (one request, one invitation email per contact), and who may do what."""

from __future__ import annotations

from app.audit.models import AuditEvent
from app.intake.models import QuestionnaireVersion
from tests.intake.support import (
    IntakeAnswer,
    IntakeRequest,
    Questionnaire,
    keys,
    make_questionnaire,
    rows,
    send,
)
from tests.work.support import api, emails, make_desk, web


def test_editing_an_answered_questionnaire_makes_a_new_version(app):
    desk = make_desk()
    owner = api(app, desk.owner)
    made = make_questionnaire(app, desk)
    qid = made["id"]
    questions = made["latest"]["questions"]
    # Not answered yet: an edit changes version 1 in place.
    questions[0]["label"] = "Company name"
    resp = owner.put(f"/questionnaires/{qid}", json={"name": "Onboarding", "questions": questions})
    assert resp.status_code == 200 and resp.get_json()["latest"]["number"] == 1
    sent = send(app, desk, qid)
    key = keys(resp.get_json())["Company name"]
    answered = api(app, desk.contact).post(
        f"/portal/intake-requests/{sent['id']}/answers", json={"answers": {key: "Harbour Ltd"}}
    )
    assert answered.status_code == 201, answered.get_json()
    # Answered: the edit makes version 2; the answers keep pointing at version 1.
    questions[0]["label"] = "Legal name"
    questions.append({"label": "Anything else?", "kind": "long_text"})
    resp = owner.put(f"/questionnaires/{qid}", json={"name": "Onboarding", "questions": questions})
    latest = resp.get_json()["latest"]
    assert latest["number"] == 2
    assert [q["key"] for q in latest["questions"]][:1] == [key]  # keys survive versions
    versions = rows(QuestionnaireVersion, questionnaire_id=qid)
    assert [(v.number, v.questions[0]["label"]) for v in versions] == [
        (1, "Company name"),
        (2, "Legal name"),
    ]
    (request,) = rows(IntakeRequest, questionnaire_id=qid)
    assert request.version_id == versions[0].id
    assert rows(IntakeAnswer, request_id=request.id)[0].answers == {key: "Harbour Ltd"}
    # Sending again now sends version 2 as a new request.
    assert send(app, desk, qid)["version"]["number"] == 2


def test_sending_twice_emails_each_contact_once(app):
    desk = make_desk()
    qid = make_questionnaire(app, desk)["id"]
    browser = web(app, desk.manager)
    url = f"/{desk.slug}/clients/{desk.client.id}/intake"
    for _ in range(2):
        assert browser.post(url, data={"questionnaire_id": qid}).status_code == 302
    again = api(app, desk.owner).post(
        f"/clients/{desk.client.id}/intake-requests", json={"questionnaire_id": qid}
    )
    assert again.status_code == 201
    requests = rows(IntakeRequest, client_id=desk.client.id)
    assert len(requests) == 1 and again.get_json()["id"] == requests[0].id
    sent = emails("intake:")
    assert [e.to_addr for e in sent] == [desk.contact.user.email]
    assert "Onboarding" in sent[0].subject
    assert f"/portal/intake/{requests[0].id}" in sent[0].text_body
    assert len(rows(AuditEvent, action="intake_request.sent")) == 1
    portal = web(app, desk.contact).get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert f'data-intake-request-id="{requests[0].id}"' in portal


def test_bad_questionnaires_are_refused_naming_the_field(app):
    desk = make_desk()
    owner = api(app, desk.owner)
    for question, field in (
        ({"label": "Plan", "kind": "single_choice", "options": ["Only one"]}, "options"),
        ({"label": "Name", "kind": "text", "options": ["x", "y"]}, "options"),
        ({"label": "Name", "kind": "colour"}, "kind"),
        ({"label": "", "kind": "text"}, "label"),
    ):
        resp = owner.post("/questionnaires", json={"name": "Bad", "questions": [question]})
        assert resp.status_code == 422, question
        assert field in resp.get_json()["errors"]["questions"]["0"], resp.get_json()
    page = web(app, desk.owner).post(
        f"/{desk.slug}/settings/intake/new",
        data={"name": "Bad", "questions.0.label": "Plan", "questions.0.kind": "single_choice"},
    )
    assert page.status_code == 422
    assert 'data-field-error="questions.0.options"' in page.get_data(as_text=True)
    assert rows(Questionnaire, name="Bad") == []


def test_questionnaire_form_creates_ordered_questions(app):
    desk = make_desk()
    resp = web(app, desk.manager).post(
        f"/{desk.slug}/settings/intake/new",
        data={
            "name": "Kick-off",
            "questions.0.label": "Second",
            "questions.0.kind": "text",
            "questions.0.position": "2",
            "questions.1.label": "First",
            "questions.1.kind": "single_choice",
            "questions.1.options": "Yes\nNo",
            "questions.1.position": "1",
            "questions.1.required": "on",
            "questions.2.label": "",
        },
    )
    assert resp.status_code == 302
    (version,) = rows(QuestionnaireVersion)
    assert [(q["label"], q["required"], q["options"]) for q in version.questions] == [
        ("First", True, ["Yes", "No"]),
        ("Second", False, []),
    ]


def test_only_owners_and_managers_manage_and_send(app):
    desk = make_desk()
    qid = make_questionnaire(app, desk)["id"]
    for member in (desk.va, desk.qa, desk.contact):
        assert api(app, member).get("/questionnaires").status_code == 403
        assert web(app, member).get(f"/{desk.slug}/settings/intake").status_code == 403
        resp = api(app, member).post(
            f"/clients/{desk.client.id}/intake-requests", json={"questionnaire_id": qid}
        )
        assert resp.status_code in (403, 404)
    assert rows(IntakeRequest) == []
    other = make_desk()
    assert api(app, other.owner).get(f"/questionnaires/{qid}").status_code == 404
    resp = api(app, other.owner).post(
        f"/clients/{other.client.id}/intake-requests", json={"questionnaire_id": qid}
    )
    assert resp.status_code == 422 and "questionnaire_id" in resp.get_json()["errors"]


def test_the_client_intake_page_does_not_grow_with_questionnaires(app, count_queries):
    desk = make_desk()
    browser = web(app, desk.owner)
    url = f"/{desk.slug}/clients/{desk.client.id}/intake"

    def measure() -> int:
        with count_queries() as statements:
            assert browser.get(url).status_code == 200
        return len(statements)

    send(app, desk, make_questionnaire(app, desk, "First")["id"])
    one = measure()
    for name in ("Second", "Third", "Fourth"):
        send(app, desk, make_questionnaire(app, desk, name)["id"])
    assert measure() == one
