"""Webhook test helpers: a real HTTP receiver on 127.0.0.1 that verifies signatures, an
agency with its owner, and endpoints registered through the service."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

import pytest
import sqlalchemy as sa
import time_machine

from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.extensions import db
from app.webhooks.models import WebhookDelivery
from app.webhooks.services import create_endpoint
from tests.factories import AgencyFactory, ClientFactory
from tests.helpers import member

NOON = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)


class Received(NamedTuple):
    headers: dict[str, str]
    body: bytes
    path: str


class Receiver:
    """An HTTP server answering each POST with the next scripted (status, body), else 200."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: list[tuple[int, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received(dict(self.headers), body, self.path))
                status, text = receiver.script.pop(0) if receiver.script else (200, "thanks")
                data = text.encode()
                self.send_response(status)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/baton"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def allow_loopback(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


class Shop(NamedTuple):
    agency_id: int
    slug: str
    owner_user_id: int
    owner_email: str
    client_id: int
    actor: Actor


@pytest.fixture
def shop(clock) -> Shop:
    agency = AgencyFactory(name="Northwind Assist")
    owner = member(agency, "owner")
    client = ClientFactory(agency=agency, name="Alder Bakery")
    db.session.flush()
    actor = Actor(user=owner.user, agency=agency, membership=owner)
    return Shop(agency.id, agency.slug, owner.user_id, owner.user.email, client.id, actor)


def register(shop: Shop, url: str, events: list[str] | None = None):
    """An endpoint of the shop (flushed); returns (endpoint id, secret)."""
    with tenant(shop.agency_id):
        endpoint, secret = create_endpoint(
            shop.actor, {"url": url, "events": events or ["client.updated"]}
        )
        db.session.commit()
    return endpoint.id, secret


def deliveries(shop: Shop, endpoint_id: int) -> list[WebhookDelivery]:
    with tenant(shop.agency_id):
        return list(
            db.session.scalars(
                sa.select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.id)
                .execution_options(populate_existing=True)
            )
        )


def queue(shop: Shop, object_id: int | None = None, event: str = "client.updated") -> None:
    """Queue one event about `object_id` (default: the shop's client) and commit."""
    from app.webhooks.events import object_data
    from app.webhooks.services import queue_event

    oid = object_id or shop.client_id
    with tenant(shop.agency_id):
        data = {"client_id": oid, "name": "Alder Bakery"} if event.startswith("client") else {}
        if not data:
            data = object_data(event, None)
        queue_event(shop.agency_id, event, oid, data)
        db.session.commit()


def run(shop: Shop, delivery_id: int):
    """Run the delivery job function once, as the job runner would (in the tenant)."""
    from app.webhooks.delivery import deliver_webhook

    with tenant(shop.agency_id):
        return deliver_webhook(delivery_id, agency_id=shop.agency_id)
