"""Where events come from: work item moves (app.work's history hook) and audited changes
(app.audit's record hook) become deliveries with their documented payload."""

from __future__ import annotations

from app.audit.services import record
from app.clients.models import Client
from app.core.tenancy import tenant
from app.extensions import db
from app.webhooks.events import EVENTS
from app.work.services import record_event
from tests.factories import InvoiceFactory, WorkItemFactory
from tests.webhooks.conftest import deliveries, register


def test_a_delivered_work_item_is_an_event(shop):
    endpoint_id, _ = register(shop, "https://hooks.example.com/in", ["work_item.delivered"])
    with tenant(shop.agency_id):
        client = db.session.get(Client, shop.client_id)
        item = WorkItemFactory(client=client, title="Monthly report", state="delivered")
        record_event(shop.actor, item, "state", from_state="approved", to_state="in_review")
        record_event(shop.actor, item, "state", from_state="approved", to_state="delivered")
        db.session.commit()
    [delivery] = deliveries(shop, endpoint_id)
    assert delivery.event_type == "work_item.delivered"
    assert delivery.object_kind == "work_item" and delivery.object_id == item.id
    assert delivery.payload["data"] == {
        "work_item_id": item.id,
        "client_id": shop.client_id,
        "title": "Monthly report",
        "state": "delivered",
    }


def test_a_payment_that_settles_an_invoice_is_also_invoice_paid(shop):
    events = ["payment.recorded", "invoice.paid", "invoice.voided"]
    endpoint_id, _ = register(shop, "https://hooks.example.com/in", events)
    with tenant(shop.agency_id):
        client = db.session.get(Client, shop.client_id)
        invoice = InvoiceFactory(client=client, status="paid", paid_minor=100000)
        record(
            shop.actor,
            "payment.recorded",
            invoice,
            summary="Payment recorded",
            before={"status": "sent", "paid_minor": 0},
            after={"id": 77, "kind": "payment", "amount_minor": 100000, "status": "paid"},
        )
        db.session.commit()
    payment, paid = deliveries(shop, endpoint_id)
    assert payment.event_type == "payment.recorded"
    assert payment.payload["data"] == {
        "invoice_id": invoice.id,
        "client_id": shop.client_id,
        "payment_id": 77,
        "kind": "payment",
        "amount_minor": 100000,
    }
    assert paid.event_type == "invoice.paid"
    assert set(paid.payload["data"]) == set(EVENTS["invoice.paid"].fields)
    assert paid.payload["data"]["number"] == invoice.number
    assert paid.payload["data"]["status"] == "paid"


def test_an_endpoint_gets_only_the_events_it_asked_for(shop):
    endpoint_id, _ = register(shop, "https://hooks.example.com/in", ["invoice.voided"])
    with tenant(shop.agency_id):
        client = db.session.get(Client, shop.client_id)
        invoice = InvoiceFactory(client=client)
        record(shop.actor, "invoice.sent", invoice, summary="sent")
        record(shop.actor, "invoice.voided", invoice, summary="voided")
        db.session.commit()
    assert [d.event_type for d in deliveries(shop, endpoint_id)] == ["invoice.voided"]
