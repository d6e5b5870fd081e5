"""Read side of webhooks: an agency's endpoints and an endpoint's deliveries (the tenant
filter is added by the data layer; another agency's ids are 404)."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.core.permissions import Actor
from app.extensions import db
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

LOG_SIZE = 50


def agency_endpoints(actor: Actor) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.agency_id == actor.agency_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint_or_404(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.agency_id != actor.agency_id:
        raise NotFound()
    return endpoint


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def get_delivery_or_404(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound()
    return delivery
