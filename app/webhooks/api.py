"""JSON API of outgoing webhooks (owners only): the same operations as the pages. Only
registering and rotating answer with the signing secret, once.

The payload of every event is in the OpenAPI document's components (`Webhook_<type>`,
see app.webhooks.openapi)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.permissions import authorize as _authorize
from app.core.permissions import loads, roles
from app.core.uow import commit
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.policy import can_manage_webhooks
from app.webhooks.queries import (
    agency_endpoints,
    get_delivery_or_404,
    get_endpoint_or_404,
    recent_deliveries,
)
from app.webhooks.schemas import (
    DeliveryListOut,
    DeliveryOut,
    EnabledIn,
    EndpointIn,
    EndpointListOut,
    EndpointOut,
    EndpointPatchIn,
    EndpointWithSecretOut,
)
from app.webhooks.services import (
    create_endpoint,
    resend,
    rotate_secret,
    set_enabled,
    update_endpoint,
)

blp = Blueprint(
    "webhooks_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Outgoing webhooks: endpoints, their signing secrets and delivery log",
)


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict:
    data = {name: getattr(endpoint, name) for name in EndpointOut().fields}
    return {**data, "secret": secret}


@blp.route("/webhooks")
class Endpoints(MethodView):
    @roles("owner")
    @blp.response(200, EndpointListOut)
    def get(self, agency_slug: str) -> dict:
        """The agency's webhook endpoints."""
        _authorize(can_manage_webhooks(g.actor))
        return {"items": agency_endpoints(g.actor)}

    @roles("owner")
    @blp.arguments(EndpointIn)
    @blp.response(201, EndpointWithSecretOut)
    def post(self, data: dict, agency_slug: str) -> dict:
        """Register an endpoint; the answer carries its signing secret, only this once."""
        _authorize(can_manage_webhooks(g.actor))
        endpoint, secret = create_endpoint(g.actor, data)
        commit()
        return _with_secret(endpoint, secret)


@blp.route("/webhooks/<int:webhook_id>")
class EndpointResource(MethodView):
    @roles("owner")
    @loads(get_endpoint_or_404, "webhook_id", "endpoint")
    @blp.response(200, EndpointOut)
    def get(self, agency_slug: str, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """One endpoint (never its secret)."""
        _authorize(can_manage_webhooks(g.actor))
        return endpoint

    @roles("owner")
    @loads(get_endpoint_or_404, "webhook_id", "endpoint")
    @blp.arguments(EndpointPatchIn(partial=True))
    @blp.response(200, EndpointOut)
    def patch(self, data: dict, agency_slug: str, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Change an endpoint's URL, description or events."""
        _authorize(can_manage_webhooks(g.actor))
        update_endpoint(g.actor, endpoint, data)
        commit()
        return endpoint


@blp.route("/webhooks/<int:webhook_id>/rotate")
class EndpointRotate(MethodView):
    @roles("owner")
    @loads(get_endpoint_or_404, "webhook_id", "endpoint")
    @blp.response(200, EndpointWithSecretOut)
    def post(self, agency_slug: str, endpoint: WebhookEndpoint) -> dict:
        """A new signing secret (answered once); the old one signs too for 24 hours."""
        _authorize(can_manage_webhooks(g.actor))
        secret = rotate_secret(g.actor, endpoint)
        commit()
        return _with_secret(endpoint, secret)


@blp.route("/webhooks/<int:webhook_id>/enabled")
class EndpointEnabled(MethodView):
    @roles("owner")
    @loads(get_endpoint_or_404, "webhook_id", "endpoint")
    @blp.arguments(EnabledIn)
    @blp.response(200, EndpointOut)
    def put(self, data: dict, agency_slug: str, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Disable or enable an endpoint; enabling clears its failure count."""
        _authorize(can_manage_webhooks(g.actor))
        set_enabled(g.actor, endpoint, data["enabled"])
        commit()
        return endpoint


@blp.route("/webhooks/<int:webhook_id>/deliveries")
class Deliveries(MethodView):
    @roles("owner")
    @loads(get_endpoint_or_404, "webhook_id", "endpoint")
    @blp.response(200, DeliveryListOut)
    def get(self, agency_slug: str, endpoint: WebhookEndpoint) -> dict:
        """The endpoint's latest deliveries, newest first."""
        _authorize(can_manage_webhooks(g.actor))
        return {"items": recent_deliveries(endpoint)}


@blp.route("/webhooks/<int:webhook_id>/deliveries/<int:webhook_delivery_id>/resend")
class DeliveryResend(MethodView):
    @roles("owner")
    @loads(get_endpoint_or_404, "webhook_id", "endpoint")
    @blp.response(202, DeliveryOut)
    def post(
        self, agency_slug: str, endpoint: WebhookEndpoint, webhook_delivery_id: int
    ) -> WebhookDelivery:
        """Send a delivery's event again (answered with the new delivery)."""
        delivery = get_delivery_or_404(endpoint, webhook_delivery_id)
        _authorize(can_manage_webhooks(g.actor))
        again = resend(g.actor, delivery)
        commit()
        return again
