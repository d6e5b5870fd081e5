"""The delivery job: send one webhook delivery, signed, and record what happened.

- Order: a delivery waits (RetryLater, no attempt used) while an earlier delivery of the
  same endpoint and object is still queued or being delivered.
- Signing: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); during a
  secret rotation's overlap the signature header carries one signature per secret.
- Outcome: 2xx succeeds. Timeouts, connection errors, 408, 429 and 5xx are retried with
  backoff for up to RETRY_WINDOW after the delivery was queued; anything else (other 4xx,
  3xx, a refused address) fails at once. After WEBHOOK_MAX_FAILURES failed deliveries in a
  row the endpoint is disabled and its owners are emailed.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import current_app
from standardwebhooks.webhooks import Webhook

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.jobs import PermanentFailure, RetryLater, stage_current_job_success
from app.core.mail import queue_email, recipient_locale
from app.core.translation import lazy_gettext
from app.extensions import db
from app.users.models import Membership
from app.webhooks.models import RESPONSE_MAX, WebhookDelivery, WebhookEndpoint
from app.webhooks.services import signing_secrets
from app.webhooks.transport import AddressRefused, TransportError, post

RETRY_WINDOW = dt.timedelta(days=3)
ORDER_WAIT = dt.timedelta(seconds=30)
RETRYABLE_CODES = {408, 429}
USER_AGENT = "Baton-Webhooks/1"


def retry_delay(attempt: int) -> dt.timedelta:
    """Wait after failed attempt `attempt` (1-based): 30 s x 4^(n-1), at most 6 hours."""
    return dt.timedelta(seconds=min(6 * 3600.0, 30.0 * 4 ** (attempt - 1)))


def signed_request(
    delivery: WebhookDelivery, secrets: list[str], now: dt.datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery, signed with every secret in `secrets`."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    signature = " ".join(Webhook(s).sign(delivery.message_id, now, body) for s in secrets)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body, headers


def _earlier_pending(delivery: WebhookDelivery) -> int | None:
    return db.session.scalar(
        sa.select(WebhookDelivery.id)
        .where(
            WebhookDelivery.endpoint_id == delivery.endpoint_id,
            WebhookDelivery.object_kind == delivery.object_kind,
            WebhookDelivery.object_id == delivery.object_id,
            WebhookDelivery.id < delivery.id,
            WebhookDelivery.status.in_(("queued", "delivering")),
        )
        .order_by(WebhookDelivery.id)
        .limit(1)
    )


def _alert_owners(endpoint: WebhookEndpoint) -> None:
    agency = db.session.get(Agency, endpoint.agency_id)
    base = current_app.config["BASE_URL"].rstrip("/")
    link = f"{base}/{agency.slug}/settings/webhooks/{endpoint.id}"
    owners = db.session.scalars(
        sa.select(Membership)
        .where(Membership.role == "owner", Membership.status == "active")
        .order_by(Membership.id)
    ).all()
    for member in owners:
        if not member.user.email:
            continue
        queue_email(
            db.session,
            key=f"webhook-disabled:{endpoint.id}:{endpoint.updated_at.isoformat()}:{member.id}",
            to=member.user.email,
            locale=recipient_locale(member.user.locale),
            subject=lazy_gettext("A webhook endpoint was disabled"),
            template="notice",
            context={
                "agency_name": agency.name,
                "heading": lazy_gettext("A webhook endpoint was disabled"),
                "body": lazy_gettext(
                    "Deliveries to %(url)s kept failing, so Baton stopped sending to it. "
                    "Check the receiver, then enable the endpoint again.",
                    url=endpoint.url,
                ),
                "link": link,
            },
            agency_id=agency.id,
            from_name=agency.name,
            notice="security",
        )


def _count_failure(endpoint: WebhookEndpoint) -> None:
    endpoint.consecutive_failures += 1
    limit = int(current_app.config.get("WEBHOOK_MAX_FAILURES", 15))
    if endpoint.enabled and endpoint.consecutive_failures >= limit:
        endpoint.enabled = False
        endpoint.disabled_reason = f"{endpoint.consecutive_failures} deliveries in a row failed."
        endpoint.updated_at = utcnow()
        _alert_owners(endpoint)


def _fail(delivery: WebhookDelivery, reason: str) -> None:
    """Record a delivery failed for good (committed), then tell the job runner."""
    delivery.status = "failed"
    delivery.error = reason[:500]
    delivery.next_attempt_at = None
    delivery.finished_at = utcnow()
    _count_failure(delivery.endpoint)
    db.session.commit()
    raise PermanentFailure(f"webhook delivery {delivery.id} failed: {reason}"[:500])


def deliver_webhook(delivery_id: int, agency_id: int | None = None) -> dict:
    """The job: one attempt at delivery `delivery_id` (see the module)."""
    delivery = db.session.get(
        WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True
    )
    if delivery is None:
        return {"status": "missing"}
    if delivery.status in ("succeeded", "failed"):
        db.session.rollback()
        return {"status": delivery.status}
    now = utcnow()
    earlier = _earlier_pending(delivery)
    if earlier is not None:
        db.session.rollback()
        raise RetryLater(now + ORDER_WAIT, f"waiting for the earlier delivery {earlier}")
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        delivery.status = "failed"
        delivery.error = "The endpoint is disabled."
        delivery.finished_at = now
        db.session.commit()
        return {"status": "failed"}
    delivery.status = "delivering"
    delivery.attempts += 1
    body, headers = signed_request(delivery, signing_secrets(endpoint, now), now)
    url, allow = endpoint.url, bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))
    db.session.commit()
    try:
        answer = post(url, body, headers, allow_private=allow)
    except AddressRefused as exc:
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        _fail(delivery, str(exc))
    except TransportError as exc:
        return _retry_or_fail(delivery_id, str(exc), None, b"", None)
    if 200 <= answer.status < 300:
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        delivery.status = "succeeded"
        delivery.response_code = answer.status
        delivery.response_body = answer.body[:RESPONSE_MAX].decode("utf-8", "replace")
        delivery.duration_ms = answer.duration_ms
        delivery.error = None
        delivery.next_attempt_at = None
        delivery.finished_at = utcnow()
        delivery.endpoint.consecutive_failures = 0
        stage_current_job_success({"status": "succeeded", "code": answer.status})
        db.session.commit()
        return {"status": "succeeded", "code": answer.status}
    reason = f"The receiver answered HTTP {answer.status}."
    return _retry_or_fail(delivery_id, reason, answer.status, answer.body, answer.duration_ms)


def _retry_or_fail(
    delivery_id: int, reason: str, code: int | None, body: bytes, duration_ms: int | None
) -> dict:
    delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    delivery.response_code = code
    delivery.response_body = body[:RESPONSE_MAX].decode("utf-8", "replace") if body else None
    delivery.duration_ms = duration_ms
    retryable = code is None or code >= 500 or code in RETRYABLE_CODES
    at = utcnow() + retry_delay(delivery.attempts)
    if not retryable or at > delivery.created_at + RETRY_WINDOW:
        _fail(delivery, reason)
    delivery.status = "queued"
    delivery.error = reason[:500]
    delivery.next_attempt_at = at
    db.session.commit()
    raise RetryLater(at, reason, counts_as_attempt=True)
