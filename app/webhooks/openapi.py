"""The payload of every webhook event, as components of the OpenAPI document (the document
is OpenAPI 3.0, which has no `webhooks` section): `Webhook_<type>` with its `data`."""

from __future__ import annotations

from typing import Any

from app.webhooks.events import EVENTS, payload_schemas


def register_payload_schemas(api: Any) -> None:
    """Add `Webhook_<type>` components for each event type to the API's spec (once)."""
    existing = api.spec.components.schemas
    for name, schema in payload_schemas().items():
        component = f"Webhook_{name.replace('.', '_')}"
        if component in existing:
            continue
        api.spec.components.schema(
            component, schema=schema, description=str(EVENTS[name].description)
        )
