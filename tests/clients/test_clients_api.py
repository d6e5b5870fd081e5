"""The clients JSON API: the same rules as the pages, field-level hiding in the JSON, 422s
naming each field, and other agencies' ids that simply do not exist."""

from __future__ import annotations

import datetime as dt

import pytest

from app.clients.models import Client
from tests.clients.support import api, count_rows, fetch
from tests.factories import AssignmentFactory, ClientFactory, ContactFactory, ServicePackageFactory

BODY = {
    "name": "Lumen Dental",
    "time_zone": "America/Chicago",
    "currency": "usd",
    "locale": "en_US",
    "country": "us",
    "status": "active",
    "channels": {"urgent": "phone", "reports": "email"},
    "deposit_percent": 0,
    "net_days": 30,
    "response_time_hours": 8,
    "bill_rate_minor": 6000,
    "notes": "Dentist; mornings only.",
}


def test_create_read_update_client(app, team):
    owner = api(app, team.owner)
    package = ServicePackageFactory(agency=team.agency, name="Front desk")
    resp = owner.post("/clients", json={**BODY, "service_package_id": package.id})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["currency"] == "USD" and body["country"] == "US"
    assert body["service_package"] == {"id": package.id, "name": "Front desk"}
    assert body["bill_rate_minor"] == 6000 and body["notes"] == "Dentist; mornings only."
    client_id = body["id"]
    assert owner.get(f"/clients/{client_id}").json["name"] == "Lumen Dental"

    resp = owner.patch(f"/clients/{client_id}", json={"status": "paused", "net_days": 45})
    assert resp.status_code == 200
    assert (resp.json["status"], resp.json["net_days"], resp.json["name"]) == (
        "paused",
        45,
        "Lumen Dental",
    )
    resp = owner.patch(f"/clients/{client_id}", json={"service_package_id": None})
    assert resp.json["service_package"] is None


def test_list_paginates_searches_and_filters(app, team):
    for i in range(7):
        ClientFactory(agency=team.agency, name=f"Batch {i}", status="prospect")
    dune = ClientFactory(agency=team.agency, name="Dune Ceramics")
    ContactFactory(client=dune, email="hello@dune.test")
    owner = api(app, team.owner)
    resp = owner.get("/clients", query_string={"per_page": 3, "page": 2, "status": "prospect"})
    assert resp.status_code == 200
    assert resp.json["meta"] == {"page": 2, "per_page": 3, "total": 7, "pages": 3}
    assert [c["name"] for c in resp.json["items"]] == ["Batch 3", "Batch 4", "Batch 5"]
    found = owner.get("/clients", query_string={"q": "hello@dune"}).json["items"]
    assert [c["name"] for c in found] == ["Dune Ceramics"]


@pytest.mark.parametrize("role", ["va", "qa", "client"])
def test_rates_never_reach_staff_below_manager_or_clients(app, team, role):
    AssignmentFactory(client=team.client, membership=team.va)
    caller = api(app, getattr(team, "contact" if role == "client" else role))
    listed = caller.get("/clients").json["items"]
    assert [c["id"] for c in listed] == [team.client.id]
    one = caller.get(f"/clients/{team.client.id}").json
    for body in (listed[0], one):
        assert "bill_rate_minor" not in body
        assert ("notes" in body) is (role != "client")


def test_manager_sees_rates_and_notes(app, team):
    body = api(app, team.manager).get(f"/clients/{team.client.id}").json
    assert body["bill_rate_minor"] == 4500
    assert body["notes"] == "Secret internal note"


def test_va_list_follows_current_assignments(app, team):
    mine = ClientFactory(agency=team.agency, name="Mine")
    assignment = AssignmentFactory(client=mine, membership=team.va)
    va = api(app, team.va)
    assert [c["name"] for c in va.get("/clients").json["items"]] == ["Mine"]
    assert va.get(f"/clients/{team.client.id}").status_code == 404
    # The manager ends the assignment today: the VA loses the client at once.
    resp = api(app, team.manager).post(f"/assignments/{assignment.id}/end")
    assert resp.status_code == 200
    assert va.get("/clients").json["items"] == []
    assert va.get(f"/clients/{mine.id}").status_code == 404


def test_create_with_bad_fields_is_422_naming_each_and_writes_nothing(app, team):
    before = count_rows(Client, team.agency.id)
    resp = api(app, team.owner).post(
        "/clients",
        json={
            "name": "",
            "time_zone": "Mars/Base",
            "currency": "EURO",
            "locale": "xx_XX_nope",
            "country": "ZZZ",
            "status": "gone",
            "channels": {"urgent": "carrier pigeon", "gossip": "email"},
            "deposit_percent": 101,
            "net_days": -1,
            "response_time_hours": "soon",
            "bill_rate_minor": -5,
            "notes": 7,
            "favourite_colour": "blue",
        },
    )
    assert resp.status_code == 422
    errors = resp.json["errors"]
    for field in (
        "name",
        "time_zone",
        "currency",
        "locale",
        "country",
        "status",
        "channels",
        "deposit_percent",
        "net_days",
        "response_time_hours",
        "bill_rate_minor",
        "notes",
        "favourite_colour",
    ):
        assert field in errors, field
    assert set(errors["channels"]) == {"urgent", "gossip"}
    assert count_rows(Client, team.agency.id) == before


def test_required_fields_are_named(app, team):
    resp = api(app, team.owner).post("/clients", json={})
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"name", "time_zone", "currency"}


def test_package_id_of_another_agency_does_not_exist(app, team, other):
    foreign = ServicePackageFactory(agency=other.agency)
    owner = api(app, team.owner)
    before = count_rows(Client, team.agency.id)
    resp = owner.post("/clients", json={**BODY, "service_package_id": foreign.id})
    assert resp.status_code == 422
    assert resp.json["errors"] == {"service_package_id": ["Does not exist."]}
    assert count_rows(Client, team.agency.id) == before
    resp = owner.patch(f"/clients/{team.client.id}", json={"service_package_id": foreign.id})
    assert resp.status_code == 422
    assert fetch(Client, team.client.id).service_package_id is None


def test_another_agencys_client_is_404_whatever_the_body(app, team, other):
    owner = api(app, team.owner)
    cid = other.client.id
    assert owner.get(f"/clients/{cid}").status_code == 404
    assert owner.patch(f"/clients/{cid}", json={"bogus": 1, "name": ""}).status_code == 404
    assert owner.post(f"/clients/{cid}/archive").status_code == 404
    assert owner.post(f"/clients/{cid}/unarchive").status_code == 404
    assert owner.get(f"/clients/{cid}/contacts", query_string={"page": "x"}).status_code == 404
    assert owner.post(f"/clients/{cid}/contacts", json={}).status_code == 404
    assert owner.get(f"/clients/{cid}/assignments").status_code == 404
    assert owner.post(f"/clients/{cid}/assignments", json={}).status_code == 404
    assert fetch(Client, cid).archived_at is None


@pytest.mark.parametrize("role", ["va", "qa", "client"])
def test_read_only_roles_cannot_write(app, team, role):
    AssignmentFactory(client=team.client, membership=team.va)
    caller = api(app, getattr(team, "contact" if role == "client" else role))
    before = count_rows(Client, team.agency.id)
    assert caller.post("/clients", json=BODY).status_code == 403
    assert caller.patch(f"/clients/{team.client.id}", json={"name": "Hacked"}).status_code == 403
    assert caller.post(f"/clients/{team.client.id}/archive").status_code == 403
    assert count_rows(Client, team.agency.id) == before
    assert fetch(Client, team.client.id).name == "Harbour Bakery"


def test_archive_unarchive_and_include_archived(app, team):
    owner = api(app, team.owner)
    resp = owner.post(f"/clients/{team.client.id}/archive")
    assert resp.status_code == 200 and resp.json["archived"] is True
    assert owner.post(f"/clients/{team.client.id}/archive").status_code == 409
    assert owner.get("/clients").json["items"] == []
    archived = owner.get("/clients", query_string={"include_archived": "true"}).json["items"]
    assert [c["id"] for c in archived] == [team.client.id]
    resp = owner.post(f"/clients/{team.client.id}/unarchive")
    assert resp.status_code == 200 and resp.json["archived_at"] is None
    assert owner.post(f"/clients/{team.client.id}/unarchive").status_code == 409


def test_bad_list_arguments_are_422(app, team):
    resp = api(app, team.owner).get(
        "/clients", query_string={"status": "nope", "per_page": 1000, "time_zone": "X/Y"}
    )
    assert resp.status_code == 422
    assert {"status", "per_page", "time_zone"} <= set(resp.json["errors"])


def test_dates_in_output_are_aware(app, team):
    body = api(app, team.owner).get(f"/clients/{team.client.id}").json
    assert dt.datetime.fromisoformat(body["created_at"]).tzinfo is not None
