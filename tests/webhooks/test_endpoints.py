"""Managing webhook endpoints: owners only, per agency; the secret shown once and stored
encrypted; rotation with an overlap; bad input refused naming the field; events queued
with the change that caused them (a rollback sends nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.audit.models import AuditEvent
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.webhooks import transport
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.services import rotate_secret
from tests.factories import AgencyFactory
from tests.helpers import api_token, bearer, member
from tests.objects import signed_in_client
from tests.webhooks.conftest import deliveries, queue, register, run

EVENTS = ["client.created", "invoice.paid"]


def _endpoints(agency_id: int) -> list[WebhookEndpoint]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(WebhookEndpoint)
                .where(WebhookEndpoint.agency_id == agency_id)
                .execution_options(populate_existing=True)
            )
        )


def test_an_owner_adds_an_endpoint_and_sees_its_secret_once(app, shop):
    web = signed_in_client(app, shop.owner_user_id)
    page = web.post(
        f"/{shop.slug}/settings/webhooks",
        data={"url": "https://hooks.example.com/in", "description": "CRM", "events": EVENTS},
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = html.split('data-testid="webhook-secret"')[1].split("<code")[1]
    secret = secret.split(">", 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    [endpoint] = _endpoints(shop.agency_id)
    assert (endpoint.url, endpoint.description, endpoint.events) == (
        "https://hooks.example.com/in",
        "CRM",
        EVENTS,
    )
    assert secret.encode() not in endpoint.secret_ciphertext
    assert secret[6:].encode() not in endpoint.secret_ciphertext
    # Never again on the endpoint's page.
    again = web.get(f"/{shop.slug}/settings/webhooks/{endpoint.id}").get_data(as_text=True)
    assert secret not in again and "webhook-secret" not in again
    with all_tenants():
        audit = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.agency_id == shop.agency_id)
        ).all()
    assert "webhook.created" in audit


def test_the_api_answers_the_secret_on_registration_and_rotation_only(app, shop):
    from app.agencies.models import Agency
    from app.users.models import Membership

    with all_tenants():
        owner = db.session.scalars(
            sa.select(Membership).where(Membership.user_id == shop.owner_user_id)
        ).one()
        token = api_token(owner)
        db.session.commit()
    api = app.test_client()
    made = api.post(
        f"/api/v1/{shop.slug}/webhooks",
        json={"url": "https://hooks.example.com/in", "events": EVENTS},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == EVENTS
    one = api.get(f"/api/v1/{shop.slug}/webhooks/{body['id']}", headers=bearer(token))
    assert "secret" not in one.get_json()
    rotated = api.post(f"/api/v1/{shop.slug}/webhooks/{body['id']}/rotate", headers=bearer(token))
    assert rotated.status_code == 200
    assert rotated.get_json()["secret"] not in (None, body["secret"])
    off = api.put(
        f"/api/v1/{shop.slug}/webhooks/{body['id']}/enabled",
        json={"enabled": False},
        headers=bearer(token),
    )
    assert off.get_json()["enabled"] is False
    assert Agency  # the owner's agency is the shop's


@pytest.mark.parametrize(
    ("url", "events"),
    [("ftp://files.example.com/in", EVENTS), ("not a url", EVENTS), ("https://x.test/", [])],
)
def test_bad_input_is_refused_naming_the_field(app, shop, url, events):
    web = signed_in_client(app, shop.owner_user_id)
    page = web.post(f"/{shop.slug}/settings/webhooks", data={"url": url, "events": events})
    assert page.status_code == 422
    field = "url" if events else "events"
    assert f'data-field-error="{field}"' in page.get_data(as_text=True)
    assert _endpoints(shop.agency_id) == []


def test_the_api_refuses_a_bad_url_and_an_unknown_event(app, shop):
    from app.users.models import Membership

    with all_tenants():
        owner = db.session.scalars(
            sa.select(Membership).where(Membership.user_id == shop.owner_user_id)
        ).one()
        token = api_token(owner)
        db.session.commit()
    api = app.test_client()
    answer = api.post(
        f"/api/v1/{shop.slug}/webhooks",
        json={"url": "file:///etc/passwd", "events": ["client.created", "everything"]},
        headers=bearer(token),
    )
    assert answer.status_code == 422
    errors = str(answer.get_json())
    assert "url" in errors and "events" in errors
    assert _endpoints(shop.agency_id) == []


def test_production_refuses_a_host_on_a_private_network(app, shop, monkeypatch):
    monkeypatch.setitem(app.config, "BATON_ENV", "production")
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    monkeypatch.setattr(
        transport, "getaddrinfo", lambda host, port, **kw: [(2, 1, 6, "", ("10.1.2.3", port))]
    )
    web = signed_in_client(app, shop.owner_user_id)
    page = web.post(
        f"/{shop.slug}/settings/webhooks",
        data={"url": "https://intranet.example.com/hook", "events": EVENTS},
    )
    assert page.status_code == 422
    assert 'data-field-error="url"' in page.get_data(as_text=True)
    assert _endpoints(shop.agency_id) == []


def test_only_owners_manage_webhooks(app, shop):
    endpoint_id, _ = register(shop, "https://hooks.example.com/in")
    with all_tenants():
        from app.agencies.models import Agency

        agency = db.session.get(Agency, shop.agency_id)
        va = member(agency, "va")
        manager = member(agency, "manager")
        va_token = api_token(va)
        db.session.commit()
    for user_id in (va.user_id, manager.user_id):
        web = signed_in_client(app, user_id)
        assert web.get(f"/{shop.slug}/settings/webhooks").status_code == 403
        assert web.get(f"/{shop.slug}/settings/webhooks/{endpoint_id}").status_code == 403
        rotate = web.post(f"/{shop.slug}/settings/webhooks/{endpoint_id}/rotate")
        assert rotate.status_code == 403
    api = app.test_client()
    assert api.get(f"/api/v1/{shop.slug}/webhooks", headers=bearer(va_token)).status_code == 403


def test_another_agency_sees_no_endpoint(app, shop):
    endpoint_id, _ = register(shop, "https://hooks.example.com/in")
    other = AgencyFactory(name="Bluebird Helpers")
    other_owner = member(other, "owner")
    token = api_token(other_owner)
    db.session.commit()
    web = signed_in_client(app, other_owner.user_id)
    assert web.get(f"/{other.slug}/settings/webhooks/{endpoint_id}").status_code == 404
    assert web.post(f"/{other.slug}/settings/webhooks/{endpoint_id}/rotate").status_code == 404
    api = app.test_client()
    url = f"/api/v1/{other.slug}/webhooks/{endpoint_id}"
    assert api.get(url, headers=bearer(token)).status_code == 404
    assert (
        api.patch(url, json={"url": "https://evil.test/"}, headers=bearer(token)).status_code == 404
    )
    [endpoint] = _endpoints(shop.agency_id)
    assert endpoint.url == "https://hooks.example.com/in"


@pytest.mark.usefixtures("allow_loopback")
def test_both_secrets_sign_during_the_rotation_overlap_then_only_the_new(shop, receiver, clock):
    endpoint_id, old = register(shop, receiver.url)
    with tenant(shop.agency_id):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        new = rotate_secret(shop.actor, endpoint)
        db.session.commit()
    queue(shop)
    run(shop, deliveries(shop, endpoint_id)[0].id)
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(during.body, during.headers)
    Webhook(new).verify(during.body, during.headers)

    clock.move_to(dt.datetime(2027, 3, 11, 12, 0, 1, tzinfo=dt.UTC))  # 24 h and a second
    queue(shop, object_id=4242)
    run(shop, deliveries(shop, endpoint_id)[1].id)
    after = receiver.requests[-1]
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


@pytest.mark.usefixtures("allow_loopback")
def test_send_again_and_the_delivery_log(app, shop, receiver):
    endpoint_id, _ = register(shop, receiver.url)
    receiver.script = [(404, "gone")]
    queue(shop)
    web = signed_in_client(app, shop.owner_user_id)
    [first] = deliveries(shop, endpoint_id)
    page = web.get(f"/{shop.slug}/settings/webhooks/{endpoint_id}").get_data(as_text=True)
    assert page.count('data-testid="webhook-delivery"') == 1
    # "Send again" queues a new delivery; the embedded default runs it after the commit.
    again = web.post(f"/{shop.slug}/settings/webhooks/{endpoint_id}/deliveries/{first.id}/resend")
    assert again.status_code == 302
    rows = deliveries(shop, endpoint_id)
    assert len(rows) == 2 and rows[1].payload["data"] == rows[0].payload["data"]
    page = web.get(f"/{shop.slug}/settings/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "gone" in page or "thanks" in page


def test_an_audited_change_queues_its_event_and_a_rollback_sends_nothing(shop):
    from app.clients.services import update_client

    endpoint_id, _ = register(shop, "https://hooks.example.com/in", ["client.updated"])
    from app.clients.models import Client

    with tenant(shop.agency_id):
        client = db.session.get(Client, shop.client_id)
        savepoint = db.session.begin_nested()
        update_client(shop.actor, client, {"name": "Alder Bakery & Sons"})
        db.session.flush()
        assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 1
        savepoint.rollback()
        assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0

        client = db.session.get(Client, shop.client_id)
        update_client(shop.actor, client, {"name": "Alder Bakery & Sons"})
        db.session.commit()
    [delivery] = deliveries(shop, endpoint_id)
    assert delivery.event_type == "client.updated"
    assert delivery.payload["data"] == {"client_id": shop.client_id, "name": "Alder Bakery & Sons"}
    assert isinstance(shop.actor, Actor)


def test_the_openapi_document_lists_every_event_payload(app):
    from app.webhooks.events import EVENTS as CATALOGUE

    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for name in CATALOGUE:
        assert f"Webhook_{name.replace('.', '_')}" in schemas
    paid = schemas["Webhook_invoice_paid"]
    assert set(paid["properties"]) == {"type", "timestamp", "data"}


def test_an_owner_disables_and_enables_an_endpoint_from_its_page(app, shop):
    endpoint_id, _ = register(shop, "https://hooks.example.com/in", ["client.updated"])
    web = signed_in_client(app, shop.owner_user_id)
    url = f"/{shop.slug}/settings/webhooks/{endpoint_id}/enabled"
    assert web.post(url, data={"enabled": "off"}).status_code == 302
    [endpoint] = _endpoints(shop.agency_id)
    assert not endpoint.enabled and endpoint.disabled_reason == "Disabled by an owner."
    queue(shop)
    assert deliveries(shop, endpoint_id) == []  # a disabled endpoint is sent nothing

    with all_tenants():
        endpoint.consecutive_failures = 7
        db.session.commit()
    assert web.post(url, data={"enabled": "on"}).status_code == 302
    [endpoint] = _endpoints(shop.agency_id)
    assert endpoint.enabled and endpoint.consecutive_failures == 0
    assert endpoint.disabled_reason is None
