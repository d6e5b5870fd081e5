"""Contact people of a client: add, edit and delete on the client page and in the API."""

from __future__ import annotations

import pytest

from app.clients.models import Contact
from tests.clients.support import api, count_rows, fetch, web
from tests.factories import AssignmentFactory, ClientFactory, ContactFactory

CONTACT = {
    "name": "Olivia Brown",
    "email": "olivia@harbour.test",
    "phone": "+61 2 5550 1234",
    "role": "Owner",
    "preferred_channel": "whatsapp",
    "is_billing": "on",
}


def test_add_contact_on_the_client_page(app, team):
    browser = web(app, team.manager)
    resp = browser.post(f"/{team.slug}/clients/{team.client.id}/contacts", data=CONTACT)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/clients/{team.client.id}#contacts")
    page = browser.get(f"/{team.slug}/clients/{team.client.id}").get_data(as_text=True)
    assert "Olivia Brown" in page and "olivia@harbour.test" in page and "billing" in page
    assert count_rows(Contact, team.agency.id) == 1


def test_add_contact_with_bad_fields_rerenders_the_page_with_errors(app, team):
    browser = web(app, team.owner)
    resp = browser.post(
        f"/{team.slug}/clients/{team.client.id}/contacts",
        data={"name": "", "email": "not-an-email", "phone": "call me", "preferred_channel": "fax"},
    )
    assert resp.status_code == 422
    for field in ("name", "email", "phone", "preferred_channel"):
        assert f'data-field-error="{field}"'.encode() in resp.data, field
    assert b'data-testid="contact-form-errors"' in resp.data
    assert count_rows(Contact, team.agency.id) == 0


def test_edit_and_delete_contact(app, team):
    contact = ContactFactory(client=team.client, name="Old Name", is_billing=False)
    browser = web(app, team.owner)
    form = browser.get(f"/{team.slug}/contacts/{contact.id}/edit")
    assert form.status_code == 200 and b'value="Old Name"' in form.data
    resp = browser.post(f"/{team.slug}/contacts/{contact.id}/edit", data=CONTACT)
    assert resp.status_code == 302
    saved = fetch(Contact, contact.id)
    assert (saved.name, saved.preferred_channel, saved.is_billing) == (
        "Olivia Brown",
        "whatsapp",
        True,
    )
    bad = browser.post(f"/{team.slug}/contacts/{contact.id}/edit", data={"name": ""})
    assert bad.status_code == 422 and b'data-field-error="name"' in bad.data
    resp = browser.post(f"/{team.slug}/contacts/{contact.id}/delete")
    assert resp.status_code == 302
    assert count_rows(Contact, team.agency.id) == 0


def test_only_managers_change_contacts(app, team):
    AssignmentFactory(client=team.client, membership=team.va)
    contact = ContactFactory(client=team.client, name="Keep Me")
    for member in (team.va, team.qa, team.contact):
        browser = web(app, member)
        add = browser.post(f"/{team.slug}/clients/{team.client.id}/contacts", data=CONTACT)
        assert add.status_code == 403
        assert browser.get(f"/{team.slug}/contacts/{contact.id}/edit").status_code == 403
        assert browser.post(f"/{team.slug}/contacts/{contact.id}/delete").status_code == 403
        caller = api(app, member)
        resp = caller.post(f"/clients/{team.client.id}/contacts", json={"name": "X"})
        assert resp.status_code == 403
        assert caller.patch(f"/contacts/{contact.id}", json={"name": "X"}).status_code == 403
        assert caller.delete(f"/contacts/{contact.id}").status_code == 403
        # but they can read them
        assert caller.get(f"/contacts/{contact.id}").json["name"] == "Keep Me"
    assert fetch(Contact, contact.id).name == "Keep Me"
    assert count_rows(Contact, team.agency.id) == 1


def test_contact_of_another_agency_is_404_before_validation(app, team, other):
    foreign = ContactFactory(client=other.client)
    browser = web(app, team.owner)
    assert browser.get(f"/{team.slug}/contacts/{foreign.id}/edit").status_code == 404
    assert browser.post(f"/{team.slug}/contacts/{foreign.id}/edit", data={}).status_code == 404
    assert browser.post(f"/{team.slug}/contacts/{foreign.id}/delete").status_code == 404
    owner = api(app, team.owner)
    assert owner.get(f"/contacts/{foreign.id}").status_code == 404
    assert owner.patch(f"/contacts/{foreign.id}", json={"x": 1}).status_code == 404
    assert owner.delete(f"/contacts/{foreign.id}").status_code == 404
    assert fetch(Contact, foreign.id) is not None


def test_contacts_api_crud(app, team):
    owner = api(app, team.owner)
    body = {**CONTACT, "is_billing": True}
    resp = owner.post(f"/clients/{team.client.id}/contacts", json=body)
    assert resp.status_code == 201, resp.json
    contact_id = resp.json["id"]
    assert resp.json["client_id"] == team.client.id and resp.json["has_login"] is False
    listed = owner.get(f"/clients/{team.client.id}/contacts").json
    assert listed["meta"]["total"] == 1 and listed["items"][0]["email"] == "olivia@harbour.test"
    resp = owner.patch(f"/contacts/{contact_id}", json={"role": "CEO"})
    assert resp.status_code == 200 and resp.json["role"] == "CEO"
    assert resp.json["name"] == "Olivia Brown"
    assert owner.delete(f"/contacts/{contact_id}").status_code == 204
    assert owner.get(f"/contacts/{contact_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "email": "x@"}, {"name", "email"}),
        (
            {"name": "A", "preferred_channel": "fax", "is_billing": "maybe"},
            {"preferred_channel", "is_billing"},
        ),
        ({"name": "A", "client_id": 1, "membership_id": 2}, {"client_id", "membership_id"}),
    ],
)
def test_contacts_api_bad_input_is_422(app, team, body, fields):
    resp = api(app, team.owner).post(f"/clients/{team.client.id}/contacts", json=body)
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == fields
    assert count_rows(Contact, team.agency.id) == 0


def test_client_contact_reads_only_own_clients_contacts(app, team):
    mine = ContactFactory(client=team.client)
    elsewhere = ContactFactory(client=ClientFactory(agency=team.agency))
    caller = api(app, team.contact)
    assert caller.get(f"/contacts/{mine.id}").status_code == 200
    assert caller.get(f"/contacts/{elsewhere.id}").status_code == 404
