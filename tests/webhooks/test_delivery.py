"""Delivering webhooks to a real receiver: signatures, retries, failing at once, disabling
an endpoint that keeps failing, order per object, and refusing private addresses."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.core.jobs import PermanentFailure, RetryLater
from app.core.mail import OutboundEmail
from app.core.tenancy import tenant
from app.extensions import db
from app.webhooks import transport
from app.webhooks.models import WebhookEndpoint
from tests.webhooks.conftest import deliveries, queue, register, run

pytestmark = pytest.mark.usefixtures("allow_loopback")


def test_a_delivery_is_signed_and_recorded(shop, receiver):
    endpoint_id, secret = register(shop, receiver.url)
    queue(shop)
    [delivery] = deliveries(shop, endpoint_id)

    assert run(shop, delivery.id)["status"] == "succeeded"

    [got] = receiver.requests
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "client.updated"
    assert payload["data"] == {"client_id": shop.client_id, "name": "Alder Bakery"}
    assert got.headers["webhook-id"] == delivery.message_id
    assert got.path == "/hooks/baton"
    [done] = deliveries(shop, endpoint_id)
    assert (done.status, done.response_code, done.response_body) == ("succeeded", 200, "thanks")
    assert done.duration_ms is not None and done.finished_at is not None
    # A forged body does not verify with the endpoint's secret.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body.replace(b"Alder", b"Evil!"), got.headers)


def test_a_server_error_is_retried_with_backoff(shop, receiver, clock):
    endpoint_id, secret = register(shop, receiver.url)
    receiver.script = [(500, "database down")]
    queue(shop)
    [delivery] = deliveries(shop, endpoint_id)

    with pytest.raises(RetryLater) as waited:
        run(shop, delivery.id)
    assert waited.value.counts_as_attempt
    [d] = deliveries(shop, endpoint_id)
    assert (d.status, d.attempts, d.response_code, d.response_body) == (
        "queued",
        1,
        500,
        "database down",
    )
    assert d.next_attempt_at == waited.value.at > dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)

    clock.move_to(waited.value.at)
    assert run(shop, delivery.id)["status"] == "succeeded"
    assert [r.headers["webhook-id"] for r in receiver.requests] == [d.message_id] * 2
    Webhook(secret).verify(receiver.requests[1].body, receiver.requests[1].headers)
    [d] = deliveries(shop, endpoint_id)
    assert (d.status, d.attempts, d.response_code) == ("succeeded", 2, 200)


def test_a_connection_error_is_retried(shop, receiver):
    endpoint_id, _ = register(shop, receiver.url)
    receiver.stop()  # nothing listens on the port any more
    queue(shop)
    [delivery] = deliveries(shop, endpoint_id)
    with pytest.raises(RetryLater):
        run(shop, delivery.id)
    assert deliveries(shop, endpoint_id)[0].status == "queued"
    receiver.start = lambda: None  # the fixture's stop() runs once more: harmless


def test_retries_stop_after_three_days(shop, receiver, clock):
    endpoint_id, _ = register(shop, receiver.url)
    receiver.script = [(503, "busy")] * 50
    queue(shop)
    [delivery] = deliveries(shop, endpoint_id)
    runs = 0
    while True:
        runs += 1
        try:
            run(shop, delivery.id)
        except RetryLater as exc:
            clock.move_to(exc.at)
        except PermanentFailure:
            break
    [d] = deliveries(shop, endpoint_id)
    assert d.status == "failed"
    assert d.finished_at - d.created_at <= dt.timedelta(days=3)
    assert d.finished_at - d.created_at > dt.timedelta(days=2)
    assert runs == len(receiver.requests) and runs < 30


@pytest.mark.parametrize("code", [400, 404, 410])
def test_a_client_error_fails_at_once(shop, receiver, code):
    endpoint_id, _ = register(shop, receiver.url)
    receiver.script = [(code, "no such hook")]
    queue(shop)
    [delivery] = deliveries(shop, endpoint_id)
    with pytest.raises(PermanentFailure):
        run(shop, delivery.id)
    [d] = deliveries(shop, endpoint_id)
    assert (d.status, d.response_code, d.attempts) == ("failed", code, 1)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("code", [408, 429])
def test_timeout_and_too_many_requests_are_retried(shop, receiver, code):
    endpoint_id, _ = register(shop, receiver.url)
    receiver.script = [(code, "slow down")]
    queue(shop)
    with pytest.raises(RetryLater):
        run(shop, deliveries(shop, endpoint_id)[0].id)


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told(
    app, shop, receiver, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_FAILURES", 3)
    endpoint_id, _ = register(shop, receiver.url)
    receiver.script = [(400, "bad")] * 3
    for n in range(3):
        queue(shop, object_id=1000 + n)
    for d in deliveries(shop, endpoint_id):
        with tenant(shop.agency_id):
            endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
            assert endpoint.enabled
        with pytest.raises(PermanentFailure):
            run(shop, d.id)

    with tenant(shop.agency_id):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
        assert not endpoint.enabled
        assert endpoint.consecutive_failures == 3
        assert "3 deliveries in a row failed" in endpoint.disabled_reason
        emails = db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.to_addr == shop.owner_email)
        ).all()
    assert [e.subject for e in emails] == ["A webhook endpoint was disabled"]
    assert f"/settings/webhooks/{endpoint_id}" in emails[0].text_body
    # A disabled endpoint is sent nothing more.
    queue(shop)
    assert len(deliveries(shop, endpoint_id)) == 3


def test_a_success_starts_the_failure_count_again(app, shop, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_FAILURES", 2)
    endpoint_id, _ = register(shop, receiver.url)
    receiver.script = [(400, "bad"), (200, "ok"), (400, "bad")]
    for n in range(3):
        queue(shop, object_id=1000 + n)
    for d in deliveries(shop, endpoint_id):
        with contextlib.suppress(PermanentFailure):
            run(shop, d.id)
    with tenant(shop.agency_id):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
        assert endpoint.enabled and endpoint.consecutive_failures == 1


def test_deliveries_about_one_object_keep_their_order(shop, receiver):
    endpoint_id, _ = register(shop, receiver.url, ["client.updated", "client.created"])
    queue(shop, event="client.created")
    queue(shop, event="client.updated")
    queue(shop, object_id=999_999, event="client.updated")  # another client
    first, second, other = deliveries(shop, endpoint_id)

    with pytest.raises(RetryLater) as waiting:
        run(shop, second.id)
    assert not waiting.value.counts_as_attempt
    assert receiver.requests == []
    assert run(shop, other.id)["status"] == "succeeded"  # other objects are not held up

    assert run(shop, first.id)["status"] == "succeeded"
    assert run(shop, second.id)["status"] == "succeeded"
    types = [json.loads(r.body)["type"] for r in receiver.requests]
    assert types == ["client.updated", "client.created", "client.updated"]
    assert [json.loads(r.body)["data"]["client_id"] for r in receiver.requests] == [
        999_999,
        shop.client_id,
        shop.client_id,
    ]


def _resolves_to(monkeypatch, address: str) -> list[str]:
    asked: list[str] = []

    def fake(host, port, *args, **kwargs):
        asked.append(host)
        return [(2, 1, 6, "", (address, port))]

    monkeypatch.setattr(transport, "getaddrinfo", fake)
    return asked


@pytest.mark.parametrize("address", ["10.0.0.1", "127.0.0.1", "169.254.169.254", "::1"])
def test_a_private_address_is_refused_at_delivery(app, shop, receiver, monkeypatch, address):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    endpoint_id, _ = register(shop, f"http://hooks.example.com:{receiver.port}/in")
    asked = _resolves_to(monkeypatch, address)
    queue(shop)
    [delivery] = deliveries(shop, endpoint_id)
    with pytest.raises(PermanentFailure):
        run(shop, delivery.id)
    assert asked == ["hooks.example.com"]
    assert receiver.requests == []
    [d] = deliveries(shop, endpoint_id)
    assert d.status == "failed"
    assert f"resolves to {address}, a private or reserved address" in d.error


def test_the_connection_goes_to_the_checked_address(shop, receiver, monkeypatch):
    """One lookup; the request reaches the address it returned, with the URL's host name."""
    endpoint_id, secret = register(shop, f"http://hooks.example.com:{receiver.port}/in")
    asked = _resolves_to(monkeypatch, "127.0.0.1")
    queue(shop)
    assert run(shop, deliveries(shop, endpoint_id)[0].id)["status"] == "succeeded"
    assert asked == ["hooks.example.com"]
    [got] = receiver.requests
    assert got.headers["Host"] == f"hooks.example.com:{receiver.port}"
    Webhook(secret).verify(got.body, got.headers)
