"""The service catalogue: owners and managers list, add and change packages; prices are
internal, so nobody else reaches the catalogue."""

from __future__ import annotations

import pytest

from app.audit.models import AuditEvent
from app.clients.models import Client, ServicePackage
from tests.clients.support import api, count_rows, fetch, web
from tests.factories import ClientFactory, ServicePackageFactory

PACKAGE = {
    "name": "Inbox & calendar care",
    "description": "Inbox zero daily, scheduling, travel.",
    "pricing": "retainer",
    "price_minor": "90000",
    "currency": "eur",
    "active": "on",
}


def test_add_and_edit_packages_on_the_page(app, team):
    browser = web(app, team.manager)
    assert browser.get(f"/{team.slug}/packages").status_code == 200
    resp = browser.post(f"/{team.slug}/packages", data=PACKAGE)
    assert resp.status_code == 302
    page = browser.get(f"/{team.slug}/packages").get_data(as_text=True)
    assert "Inbox &amp; calendar care" in page and "€900.00" in page and "/ month" in page
    package = fetch(ServicePackage, _only_package_id(team))
    assert (package.pricing, package.price_minor, package.currency, package.active) == (
        "retainer",
        90000,
        "EUR",
        True,
    )
    form = browser.get(f"/{team.slug}/packages/{package.id}/edit")
    assert form.status_code == 200 and b"checked" in form.data
    resp = browser.post(
        f"/{team.slug}/packages/{package.id}/edit",
        data={**PACKAGE, "price_minor": "95000", "active": ""},
    )
    assert resp.status_code == 302
    package = fetch(ServicePackage, package.id)
    assert (package.price_minor, package.active) == (95000, False)
    assert "retired" in browser.get(f"/{team.slug}/packages").get_data(as_text=True)


def _only_package_id(team) -> int:
    from app.core.tenancy import tenant
    from app.extensions import db

    with tenant(team.agency.id):
        return db.session.scalars(db.select(ServicePackage.id)).one()


def test_bad_package_is_422_naming_fields_and_writes_nothing(app, team):
    browser = web(app, team.owner)
    resp = browser.post(
        f"/{team.slug}/packages",
        data={"name": "", "pricing": "barter", "price_minor": "-3", "currency": "EURO"},
    )
    assert resp.status_code == 422
    for field in ("name", "pricing", "price_minor", "currency"):
        assert f'data-field-error="{field}"'.encode() in resp.data, field
    assert count_rows(ServicePackage, team.agency.id) == 0
    resp = api(app, team.owner).post("/packages", json={"pricing": "fixed", "colour": "red"})
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"name", "price_minor", "colour"}
    assert count_rows(ServicePackage, team.agency.id) == 0


def test_packages_api(app, team):
    owner = api(app, team.owner)
    resp = owner.post(
        "/packages", json={"name": "Bookkeeping", "pricing": "hourly", "price_minor": 4500}
    )
    assert resp.status_code == 201
    assert resp.json["currency"] == "USD"  # the agency's base currency by default
    assert resp.json["active"] is True
    package_id = resp.json["id"]
    resp = owner.patch(f"/packages/{package_id}", json={"active": False, "price_minor": 5000})
    assert resp.status_code == 200 and resp.json["price_minor"] == 5000
    listed = owner.get("/packages").json
    assert listed["meta"]["total"] == 1 and listed["items"][0]["active"] is False
    assert owner.get(f"/packages/{package_id}").json["name"] == "Bookkeeping"
    actions = [e.action for e in _events(team) if e.entity_type == "service_packages"]
    assert actions == ["package.created", "package.updated"]


def _events(team):
    from app.core.tenancy import tenant
    from app.extensions import db

    with tenant(team.agency.id):
        return db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("role", ["va", "qa", "client"])
def test_only_owners_and_managers_reach_the_catalogue(app, team, role):
    package = ServicePackageFactory(agency=team.agency)
    member = team.contact if role == "client" else getattr(team, role)
    browser = web(app, member)
    assert browser.get(f"/{team.slug}/packages").status_code == 403
    assert browser.post(f"/{team.slug}/packages", data=PACKAGE).status_code == 403
    assert browser.get(f"/{team.slug}/packages/{package.id}/edit").status_code == 403
    caller = api(app, member)
    assert caller.get("/packages").status_code == 403
    assert caller.get(f"/packages/{package.id}").status_code == 403
    assert caller.patch(f"/packages/{package.id}", json={"price_minor": 1}).status_code == 403
    assert fetch(ServicePackage, package.id).price_minor == 50000


def test_client_payload_names_the_package_without_its_price(app, team):
    package = ServicePackageFactory(agency=team.agency, name="Social month", price_minor=120000)
    api(app, team.owner).patch(
        f"/clients/{team.client.id}", json={"service_package_id": package.id}
    )
    body = api(app, team.contact).get(f"/clients/{team.client.id}").json
    assert body["service_package"] == {"id": package.id, "name": "Social month"}
    assert "120000" not in str(body)


def test_other_agency_package_is_404(app, team, other):
    foreign = ServicePackageFactory(agency=other.agency)
    owner = api(app, team.owner)
    assert owner.get(f"/packages/{foreign.id}").status_code == 404
    assert owner.patch(f"/packages/{foreign.id}", json={"name": ""}).status_code == 404
    browser = web(app, team.owner)
    assert browser.get(f"/{team.slug}/packages/{foreign.id}/edit").status_code == 404
    assert browser.post(f"/{team.slug}/packages/{foreign.id}/edit", data={}).status_code == 404
    assert fetch(ServicePackage, foreign.id).name == foreign.name


# --- a package is billed in its own currency ------------------------------------------------


def test_a_package_in_another_currency_is_refused_at_assignment(app, team):
    usd = ServicePackageFactory(agency=team.agency, name="Starter", currency="USD")
    eur = ServicePackageFactory(agency=team.agency, name="Starter EU", currency="EUR")
    client = ClientFactory(agency=team.agency, currency="AED", time_zone="Asia/Dubai")
    owner = api(app, team.owner)
    resp = owner.patch(f"/clients/{client.id}", json={"service_package_id": usd.id})
    assert resp.status_code == 422
    [message] = resp.json["errors"]["service_package_id"]
    assert "priced in USD" in message and "billed in AED" in message
    assert fetch(Client, client.id).service_package_id is None
    # The same on the page, in the form's field.
    page = web(app, team.owner).post(
        f"/{team.slug}/clients/{client.id}/edit",
        data={"name": client.name, "time_zone": "Asia/Dubai", "currency": "AED",
              "service_package_id": str(eur.id), "status": "active", "net_days": "14"},
    )  # fmt: skip
    assert page.status_code == 422
    assert b'data-field-error="service_package_id"' in page.data
    assert fetch(Client, client.id).service_package_id is None
    # A new client too.
    resp = owner.post(
        "/clients",
        json={"name": "Oasis", "time_zone": "Asia/Dubai", "currency": "AED",
              "service_package_id": usd.id},
    )  # fmt: skip
    assert resp.status_code == 422 and "service_package_id" in resp.json["errors"]
    # In its own currency it is accepted.
    aed = ServicePackageFactory(agency=team.agency, name="Starter AE", currency="AED")
    resp = owner.patch(f"/clients/{client.id}", json={"service_package_id": aed.id})
    assert resp.status_code == 200, resp.json


def test_the_currency_of_a_client_or_a_package_in_use_cannot_drift_apart(app, team):
    usd = ServicePackageFactory(agency=team.agency, name="Starter", currency="USD")
    owner = api(app, team.owner)
    assert (
        owner.patch(f"/clients/{team.client.id}", json={"service_package_id": usd.id}).status_code
        == 200
    )
    resp = owner.patch(f"/clients/{team.client.id}", json={"currency": "EUR"})
    assert resp.status_code == 422 and "currency" in resp.json["errors"]
    assert fetch(Client, team.client.id).currency == "USD"
    resp = owner.patch(f"/packages/{usd.id}", json={"currency": "EUR"})
    assert resp.status_code == 422
    assert "1 client on this package" in resp.json["errors"]["currency"][0]
    assert fetch(ServicePackage, usd.id).currency == "USD"
