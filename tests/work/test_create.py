"""Creating a work item: the form on the client and the API, with the same rules."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from app.sops.models import Sop
from app.work.models import WorkItem
from tests.clients.support import count_rows
from tests.factories import AssignmentFactory, SopVersionFactory
from tests.work.support import api, checks, emails, events, fetch_item, web

FORM = {
    "title": "April report",
    "description": "Figures <b>for</b> the board",
    "due_at": "2030-01-15T09:30",
    "urgent": "on",
    "important": "on",
    "estimate_minutes": "",
}


def _form(desk, **overrides) -> dict:
    data = {
        **FORM,
        "sop_version_id": str(desk.sop_version.id),
        "assignee_id": str(desk.va.id),
        "reviewer_id": str(desk.qa.id),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_owner_creates_an_item_from_the_client_form(app, desk):
    browser = web(app, desk.owner)
    url = f"/{desk.slug}/clients/{desk.client.id}/work/new"
    page = browser.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Monthly report (v" in html and desk.va.user.name in html
    assert desk.other_va.user.name not in html  # not assigned to this client
    assert "America/New_York" in html

    resp = browser.post(url, data=_form(desk))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    item = fetch_item(int(resp.headers["Location"].rsplit("/", 1)[-1]))
    assert (item.title, item.state, item.quadrant) == ("April report", "todo", "do")
    # 09:30 in New York in January (EST, UTC-5) is 14:30 UTC.
    assert item.due_at == dt.datetime(2030, 1, 15, 14, 30, tzinfo=dt.UTC)
    assert item.estimate_minutes == 120  # the SOP's checklist estimates
    assert item.sop_version_id == desk.sop_version.id
    assert item.description == "Figures <b>for</b> the board"
    assert [c.text for c in sorted(checks(item.id).values(), key=lambda c: c.position)] == [
        "Collect the figures",
        "Link the draft",
        "Attach the report",
        "Note anything unusual",
    ]
    assert [e.kind for e in events(item.id)] == ["created"]
    with all_tenants():
        audit = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity_id == item.id)
        ).all()
    assert "work_item.created" in audit

    page = browser.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tue 15 Jan, 09:30 EST" in html  # the client's time
    assert "Tue 15 Jan, 14:30 UTC" in html  # the viewer's (UTC) time


def test_urgent_and_important_flags_give_the_quadrant(app, desk):
    owner = api(app, desk.owner)
    expected = {(True, True): "do", (False, True): "schedule", (True, False): "delegate"}
    for (urgent, important), quadrant in expected.items():
        resp = owner.post(
            f"/clients/{desk.client.id}/work-items",
            json=desk.item_body(urgent=urgent, important=important),
        )
        assert resp.json["quadrant"] == quadrant


def test_the_assignee_is_emailed_once(app, desk):
    resp = api(app, desk.owner).post(f"/clients/{desk.client.id}/work-items", json=desk.item_body())
    item_id = resp.json["id"]
    sent = emails(f"work:{item_id}:assigned")
    assert len(sent) == 1
    assert sent[0].to_addr == desk.va.user.email
    assert "March report" in sent[0].subject and desk.client.name in sent[0].subject
    assert f"/{desk.slug}/work/{item_id}" in sent[0].text_body


def test_a_due_time_with_an_offset_is_taken_as_given(app, desk):
    resp = api(app, desk.owner).post(
        f"/clients/{desk.client.id}/work-items",
        json=desk.item_body(due_at="2030-06-01T12:00:00+02:00"),
    )
    assert resp.json["due_at"] == "2030-06-01T10:00:00+00:00"
    assert resp.json["due_client_time"] == "Sat 1 Jun, 06:00 EDT"


@pytest.mark.parametrize("via", ["html", "api"])
def test_a_va_not_assigned_to_the_client_is_refused_as_assignee(app, desk, via):
    before = count_rows(WorkItem, desk.agency.id)
    if via == "api":
        resp = api(app, desk.owner).post(
            f"/clients/{desk.client.id}/work-items",
            json=desk.item_body(assignee_id=desk.other_va.id),
        )
        assert resp.status_code == 422
        message = resp.json["errors"]["assignee_id"][0]
    else:
        resp = web(app, desk.owner).post(
            f"/{desk.slug}/clients/{desk.client.id}/work/new",
            data=_form(desk, assignee_id=str(desk.other_va.id)),
        )
        assert resp.status_code == 422
        message = resp.get_data(as_text=True)
        assert 'data-field-error="assignee_id"' in message
    assert f"is not assigned to {desk.client.name}" in message
    assert count_rows(WorkItem, desk.agency.id) == before


def test_an_ended_assignment_no_longer_qualifies(app, desk):
    AssignmentFactory(
        client=desk.client,
        membership=desk.other_va,
        starts_on=dt.date.today() - dt.timedelta(days=60),
        ends_on=dt.date.today() - dt.timedelta(days=10),
    )
    resp = api(app, desk.owner).post(
        f"/clients/{desk.client.id}/work-items", json=desk.item_body(assignee_id=desk.other_va.id)
    )
    assert resp.status_code == 422 and "assignee_id" in resp.json["errors"]


@pytest.mark.parametrize("who", ["va", "client", "owner_of_other"])
def test_the_reviewer_must_be_qa_a_manager_or_an_owner(app, desk, other, who):
    reviewer = {"va": desk.va, "client": desk.contact, "owner_of_other": other.owner}[who]
    resp = api(app, desk.owner).post(
        f"/clients/{desk.client.id}/work-items", json=desk.item_body(reviewer_id=reviewer.id)
    )
    assert resp.status_code == 422
    expected = "Does not exist." if who == "owner_of_other" else "Must be an active QA reviewer"
    assert resp.json["errors"]["reviewer_id"][0].startswith(expected)


def test_the_reviewer_can_never_be_the_assignee(app, desk):
    """Roles already keep them apart (assignees are VAs); the rule holds on its own too."""
    from app.core.errors import ValidationFailed
    from app.work.services import resolve_reviewer

    with all_tenants(), pytest.raises(ValidationFailed) as refused:
        resolve_reviewer(desk.qa.id, assignee_id=desk.qa.id)
    assert "nobody reviews their own work" in refused.value.errors["reviewer_id"][0]


def test_only_the_current_version_of_an_active_sop_starts_work(app, desk):
    owner = api(app, desk.owner)
    old = desk.sop_version
    newer = SopVersionFactory(sop=old.sop)
    resp = owner.post(f"/clients/{desk.client.id}/work-items", json=desk.item_body())
    assert resp.status_code == 422
    assert resp.json["errors"]["sop_version_id"] == ["Choose the current version of an active SOP."]
    resp = owner.post(
        f"/clients/{desk.client.id}/work-items", json=desk.item_body(sop_version_id=newer.id)
    )
    assert resp.status_code == 201
    with all_tenants():
        db.session.get(Sop, old.sop_id).archived_at = dt.datetime.now(dt.UTC)
        db.session.flush()
    resp = owner.post(
        f"/clients/{desk.client.id}/work-items", json=desk.item_body(sop_version_id=newer.id)
    )
    assert resp.status_code == 422


def test_an_item_keeps_its_sop_version_when_the_sop_changes(app, desk):
    owner = api(app, desk.owner)
    item_id = owner.post(f"/clients/{desk.client.id}/work-items", json=desk.item_body()).json["id"]
    SopVersionFactory(sop=desk.sop_version.sop)  # a new current version
    body = owner.get(f"/work-items/{item_id}").json
    assert body["sop"]["version_id"] == desk.sop_version.id
    assert len(body["checklist"]) == 4


def test_other_agencies_ids_do_not_exist(app, desk, other):
    owner = api(app, desk.owner)
    resp = owner.post(f"/clients/{other.client.id}/work-items", json=desk.item_body())
    assert resp.status_code == 404
    for field, value in (
        ("sop_version_id", other.sop_version.id),
        ("assignee_id", other.va.id),
        ("reviewer_id", other.qa.id),
    ):
        resp = owner.post(
            f"/clients/{desk.client.id}/work-items", json=desk.item_body(**{field: value})
        )
        assert resp.status_code == 422 and resp.json["errors"][field] == ["Does not exist."]


@pytest.mark.parametrize("role", ["va", "qa", "contact"])
def test_only_owners_and_managers_create_work(app, desk, role):
    member = getattr(desk, role)
    resp = api(app, member).post(f"/clients/{desk.client.id}/work-items", json=desk.item_body())
    assert resp.status_code in (403, 404)
    resp = web(app, member).post(f"/{desk.slug}/clients/{desk.client.id}/work/new", data={})
    assert resp.status_code in (403, 404)
    assert count_rows(WorkItem, desk.agency.id) == 0


def test_a_manager_creates_work_too(app, desk):
    resp = api(app, desk.manager).post(
        f"/clients/{desk.client.id}/work-items", json=desk.item_body()
    )
    assert resp.status_code == 201


def test_an_archived_client_takes_no_new_work(app, desk):
    with all_tenants():
        desk.client.archived_at = dt.datetime.now(dt.UTC)
        db.session.flush()
    resp = api(app, desk.owner).post(f"/clients/{desk.client.id}/work-items", json=desk.item_body())
    assert resp.status_code == 409
    assert resp.json["message"] == "This client is archived; restore it before adding work."


# --- a client without a portal login, and an SOP that needs the client's approval ----------


def _client_without_login(desk):
    from tests.factories import ClientFactory, ContactFactory

    client = ClientFactory(agency=desk.agency, name="Quiet Florist", time_zone="Europe/Paris")
    ContactFactory(client=client, name="Flora Petal", email="flora@florist.test", is_billing=True)
    AssignmentFactory(client=client, membership=desk.va)
    return client


def _invitations(email: str):
    from app.users.models import Invitation

    with all_tenants():
        return db.session.scalars(sa.select(Invitation).where(Invitation.email == email)).all()


def test_the_create_form_offers_to_invite_the_client_and_does_it_in_the_same_commit(app, desk):
    client = _client_without_login(desk)
    browser = web(app, desk.owner)
    url = f"/{desk.slug}/clients/{client.id}/work/new"
    html = browser.get(url).get_data(as_text=True)
    offer = html.split('data-testid="invite-client-offer"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert "Quiet Florist has no portal login yet" in offer and "Social post" in offer
    assert 'value="flora@florist.test"' in offer  # the billing contact, prefilled

    form = _form(desk, sop_version_id=str(desk.approval_version.id))
    # A bad email is named and nothing is written: no item, no invitation.
    items_before = count_rows(WorkItem, desk.agency.id)
    bad = browser.post(url, data={**form, "invite_contact": "on", "invite_email": "not-mail"})
    assert bad.status_code == 422
    assert 'data-field-error="invite_email"' in bad.get_data(as_text=True)
    assert count_rows(WorkItem, desk.agency.id) == items_before
    assert _invitations("flora@florist.test") == []

    resp = browser.post(
        url, data={**form, "invite_contact": "on", "invite_email": "flora@florist.test"}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [invitation] = _invitations("flora@florist.test")
    assert (invitation.role, invitation.client_id) == ("client", client.id)
    assert [e.to_addr for e in emails("invitation:")] == ["flora@florist.test"]
    assert count_rows(WorkItem, desk.agency.id) == items_before + 1


def test_no_offer_when_the_client_has_a_login_and_no_invitation_unless_asked(app, desk):
    browser = web(app, desk.owner)
    html = browser.get(f"/{desk.slug}/clients/{desk.client.id}/work/new").get_data(as_text=True)
    assert 'data-testid="invite-client-offer"' not in html  # desk.client has a portal login
    client = _client_without_login(desk)
    url = f"/{desk.slug}/clients/{client.id}/work/new"
    resp = browser.post(
        url,
        data={**_form(desk, sop_version_id=str(desk.approval_version.id)),
              "invite_email": "flora@florist.test"},
    )  # fmt: skip
    assert resp.status_code == 302
    assert _invitations("flora@florist.test") == []
