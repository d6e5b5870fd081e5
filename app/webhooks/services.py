"""What owners do with webhook endpoints (register, edit, rotate the secret, disable,
enable, send a delivery again) and queueing the deliveries of an event.

Deliveries are queued in the transaction of the change they report (an outbox job each,
app.webhooks.delivery), so a change that rolls back sends nothing. Services flush; views
commit."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.audit.services import changed, record, snapshot
from app.core.clock import utcnow
from app.core.errors import ValidationFailed
from app.core.jobs import enqueue_job
from app.core.permissions import Actor
from app.core.tenancy import current_agency_id
from app.core.translation import gettext
from app.extensions import db
from app.vault.services import open_for_agency, seal_for_agency
from app.webhooks.events import AUDIT_ACTIONS, EVENTS, WORK_STATES, object_data
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.transport import AddressRefused, TransportError, resolve_checked, split_url

ROTATION_OVERLAP = dt.timedelta(hours=24)
DELIVERY_JOB = "app.webhooks.delivery.deliver_webhook"
# The job's own attempt limit is a backstop: the delivery's retry window (3 days) decides.
JOB_MAX_ATTEMPTS = 100
ENDPOINT_FIELDS = ("url", "description", "events", "enabled", "disabled_reason")


def _context(endpoint: WebhookEndpoint) -> bytes:
    return f"baton-webhooks/secret/v1|agency={endpoint.agency_id}|endpoint={endpoint.id}".encode()


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form (whsec_ + base64 of 24 bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _store_secret(endpoint: WebhookEndpoint, secret: str) -> None:
    version, sealed = seal_for_agency(endpoint.agency_id, secret, _context(endpoint))
    endpoint.secret_key_version, endpoint.secret_ciphertext = version, sealed


def signing_secrets(endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while its rotation overlap lasts."""
    out = [
        open_for_agency(
            endpoint.agency_id,
            endpoint.secret_key_version,
            endpoint.secret_ciphertext,
            _context(endpoint),
        )
    ]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_ciphertext is not None and expires is not None and now < expires:
        out.append(
            open_for_agency(
                endpoint.agency_id,
                endpoint.previous_secret_key_version,
                endpoint.previous_secret_ciphertext,
                _context(endpoint),
            )
        )
    return out


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s), and, in production, one whose host resolves to a
    private address (the delivery checks again each time: DNS answers change)."""
    try:
        _scheme, host, port, _path = split_url(url)
    except ValueError:
        raise ValidationFailed(
            {"url": [gettext("Enter an http:// or https:// address.")]}
        ) from None
    production = current_app.config.get("BATON_ENV") == "production"
    if not production or current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"):
        return
    try:
        resolve_checked(host, port, allow_private=False)
    except AddressRefused:
        raise ValidationFailed(
            {"url": [gettext("This address is on a private network; webhooks cannot go there.")]}
        ) from None
    except TransportError:
        raise ValidationFailed({"url": [gettext("This host name does not resolve.")]}) from None


def create_endpoint(actor: Actor, data: dict) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown to the owner once)."""
    check_url(data["url"])
    endpoint = WebhookEndpoint(
        agency_id=actor.agency_id,
        url=data["url"],
        description=data.get("description") or None,
        events=list(data["events"]),
        enabled=True,
        consecutive_failures=0,
        secret_ciphertext=b"",
        secret_key_version=0,
        created_by_id=actor.user_id,
    )
    db.session.add(endpoint)
    db.session.flush()
    secret = new_secret()
    _store_secret(endpoint, secret)
    db.session.flush()
    record(
        actor,
        "webhook.created",
        endpoint,
        summary=f"Webhook endpoint {endpoint.url} registered",
        after=snapshot(endpoint, ENDPOINT_FIELDS),
    )
    return endpoint, secret


def update_endpoint(actor: Actor, endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    """Change an endpoint's URL, description or events."""
    if "url" in data:
        check_url(data["url"])
    before = snapshot(endpoint, ENDPOINT_FIELDS)
    for name in ("url", "description", "events"):
        if name in data:
            value = data[name]
            setattr(endpoint, name, list(value) if name == "events" else (value or None))
    db.session.flush()
    old, new = changed(before, snapshot(endpoint, ENDPOINT_FIELDS))
    if new:
        record(
            actor,
            "webhook.updated",
            endpoint,
            summary=f"Webhook endpoint {endpoint.url} changed",
            before=old,
            after=new,
        )
    return endpoint


def rotate_secret(
    actor: Actor, endpoint: WebhookEndpoint, overlap: dt.timedelta = ROTATION_OVERLAP
) -> str:
    """Give the endpoint a new secret; the current one keeps signing until `overlap` ends.
    Returns the new secret (shown once)."""
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_secret_key_version = endpoint.secret_key_version
    endpoint.previous_secret_expires_at = utcnow() + overlap
    secret = new_secret()
    _store_secret(endpoint, secret)
    db.session.flush()
    record(
        actor,
        "webhook.secret_rotated",
        endpoint,
        summary=f"Webhook endpoint {endpoint.url}: signing secret rotated",
        after={"previous_valid_until": endpoint.previous_secret_expires_at},
    )
    return secret


def set_enabled(actor: Actor, endpoint: WebhookEndpoint, enabled: bool) -> WebhookEndpoint:
    """Disable (by hand) or enable an endpoint; enabling starts its failure count afresh."""
    if endpoint.enabled == enabled:
        return endpoint
    endpoint.enabled = enabled
    endpoint.disabled_reason = None if enabled else "Disabled by an owner."
    if enabled:
        endpoint.consecutive_failures = 0
    db.session.flush()
    action = "webhook.enabled" if enabled else "webhook.disabled"
    record(actor, action, endpoint, summary=f"Webhook endpoint {endpoint.url} {action[8:]}")
    return endpoint


def _queue(
    endpoint: WebhookEndpoint, event_type: str, object_id: int, data: dict
) -> WebhookDelivery:
    now = utcnow()
    delivery = WebhookDelivery(
        agency_id=endpoint.agency_id,
        endpoint_id=endpoint.id,
        message_id="msg_" + secrets.token_urlsafe(18),
        event_type=event_type,
        payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
        object_kind=EVENTS[event_type].object_kind,
        object_id=object_id,
        status="queued",
        attempts=0,
        created_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    enqueue_job(
        db.session,
        DELIVERY_JOB,
        label=f"Webhook {event_type} to {endpoint.url[:100]}",
        agency_id=endpoint.agency_id,
        max_attempts=JOB_MAX_ATTEMPTS,
        delivery_id=delivery.id,
    )
    return delivery


def queue_event(agency_id: int, event_type: str, object_id: int, data: dict) -> int:
    """Queue a delivery of the event to every enabled endpoint of the agency that wants
    it, in the current transaction; returns how many."""
    if object_id is None:
        return 0
    with db.session.no_autoflush:
        endpoints = db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.agency_id == agency_id, WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id)
        ).all()
    wanted = [e for e in endpoints if event_type in (e.events or ())]
    for endpoint in wanted:
        _queue(endpoint, event_type, object_id, data)
    return len(wanted)


def resend(actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same data."""
    again = _queue(
        delivery.endpoint, delivery.event_type, delivery.object_id, delivery.payload["data"]
    )
    record(
        actor,
        "webhook.resent",
        delivery.endpoint,
        summary=f"Webhook {delivery.event_type} sent again to {delivery.endpoint.url}",
        after={"delivery_id": delivery.id},
    )
    return again


# --- hooks: where events come from --------------------------------------------------------


def on_audit_record(actor: Actor, event: Any, entity: Any) -> None:
    """app.audit.services.RECORD_HOOKS: the audit actions that are webhook events."""
    event_type = AUDIT_ACTIONS.get(event.action)
    agency_id = actor.agency_id or current_agency_id()
    if event_type is None or agency_id is None:
        return
    after = event.after or {}
    extra = {**after, "payment_id": after.get("id")} if event_type == "payment.recorded" else after
    queue_event(
        agency_id,
        event_type,
        getattr(entity, "id", None),
        object_data(event_type, entity, extra),
    )
    became_paid = after.get("status") == "paid" and (event.before or {}).get("status") != "paid"
    if event_type == "payment.recorded" and became_paid:
        data = object_data("invoice.paid", entity)
        queue_event(agency_id, "invoice.paid", entity.id, data)


def on_work_event(actor: Actor | None, item: Any, event: Any) -> None:
    """app.work.services.EVENT_HOOKS: a work item reaching a state that is an event."""
    event_type = WORK_STATES.get(getattr(event, "to_state", None) or "")
    if event_type is None or event.from_state == event.to_state:
        return
    queue_event(item.agency_id, event_type, item.id, object_data(event_type, item))


def register_hooks() -> None:
    """Hear of audit records and work item moves (called once by create_app)."""
    from app.audit.services import RECORD_HOOKS
    from app.work.services import EVENT_HOOKS

    if on_audit_record not in RECORD_HOOKS:
        RECORD_HOOKS.append(on_audit_record)
    if on_work_event not in EVENT_HOOKS:
        EVENT_HOOKS.append(on_work_event)
