"""The catalogue of webhook events and the payload each one carries.

A payload is `{"type": ..., "timestamp": ..., "data": {...}}`; `data` holds the ids of the
objects concerned and a few fields, always the same keys for a type (a missing value is
null), so receivers can rely on them. Receivers fetch anything else through the API.

Events come from two places, so no domain needs to know about webhooks:
- the audit trail (app.audit.services.RECORD_HOOKS): an audit action maps to an event;
- work items' history (app.work.services.EVENT_HOOKS): a move to a state maps to an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields

from app.core.translation import lazy_gettext


@dataclass(frozen=True)
class EventType:
    object_kind: str  # the object whose deliveries keep their order
    fields: tuple[str, ...]  # keys of `data`
    description: Any


_INVOICE = ("invoice_id", "client_id", "number", "status", "currency", "total_minor")
_WORK = ("work_item_id", "client_id", "title", "state")

EVENTS: dict[str, EventType] = {
    "client.created": EventType(
        "client", ("client_id", "name"), lazy_gettext("A client was added.")
    ),
    "client.updated": EventType(
        "client", ("client_id", "name"), lazy_gettext("A client was changed.")
    ),
    "work_item.submitted": EventType(
        "work_item", _WORK, lazy_gettext("A work item was submitted.")
    ),
    "work_item.approved": EventType("work_item", _WORK, lazy_gettext("QA approved a work item.")),
    "work_item.changes_requested": EventType(
        "work_item", _WORK, lazy_gettext("QA asked for changes to a work item.")
    ),
    "work_item.delivered": EventType(
        "work_item", _WORK, lazy_gettext("A work item was delivered.")
    ),
    "work_item.client_approved": EventType(
        "work_item", _WORK, lazy_gettext("The client approved a work item.")
    ),
    "time.approved": EventType(
        "timesheet", ("timesheet_id", "membership_id"), lazy_gettext("A timesheet was approved.")
    ),
    "invoice.issued": EventType("invoice", _INVOICE, lazy_gettext("An invoice was issued.")),
    "invoice.sent": EventType("invoice", _INVOICE, lazy_gettext("An invoice was sent.")),
    "invoice.paid": EventType("invoice", _INVOICE, lazy_gettext("An invoice was paid in full.")),
    "invoice.voided": EventType("invoice", _INVOICE, lazy_gettext("An invoice was voided.")),
    "payment.recorded": EventType(
        "invoice",
        ("invoice_id", "client_id", "payment_id", "kind", "amount_minor"),
        lazy_gettext("A payment or refund was recorded on an invoice."),
    ),
    "reminder.sent": EventType(
        "invoice", ("invoice_id", "client_id"), lazy_gettext("A payment reminder was sent.")
    ),
    "work_request.received": EventType(
        "work_request",
        ("work_request_id", "client_id"),
        lazy_gettext("A client sent a work request."),
    ),
    "survey.answered": EventType(
        "survey",
        ("survey_id", "client_id"),
        lazy_gettext("A client answered a satisfaction survey."),
    ),
}
EVENT_NAMES = tuple(EVENTS)

# Audit actions (app.audit) that are webhook events, by event type.
AUDIT_ACTIONS = {
    "client.created": "client.created",
    "client.updated": "client.updated",
    "timesheet.approved": "time.approved",
    "invoice.issued": "invoice.issued",
    "invoice.sent": "invoice.sent",
    "invoice.voided": "invoice.voided",
    "payment.recorded": "payment.recorded",
    "refund.recorded": "payment.recorded",
    "invoice.reminder_sent": "reminder.sent",
    "work_request.created": "work_request.received",
    "survey.answered": "survey.answered",
}
# Work item states (app.work) whose reaching is a webhook event.
WORK_STATES = {
    "submitted": "work_item.submitted",
    "approved": "work_item.approved",
    "changes_requested": "work_item.changes_requested",
    "delivered": "work_item.delivered",
    "client_approved": "work_item.client_approved",
}

_INTEGERS = {"total_minor", "amount_minor"}


def object_data(event_type: str, entity: Any, extra: dict | None = None) -> dict:
    """The `data` of `event_type` for `entity`: its id under `<kind>_id`, then each other
    key from `extra` (an audit record's `after`) or the entity's attribute of that name."""
    spec = EVENTS[event_type]
    extra = extra or {}
    data: dict = {}
    for name in spec.fields:
        if name == f"{spec.object_kind}_id":
            value = getattr(entity, "id", None)
        elif name in extra:
            value = extra[name]
        else:
            value = getattr(entity, name, None)
        data[name] = value if isinstance(value, int | str | bool | type(None)) else str(value)
    return data


def _field(name: str) -> fields.Field:
    if name.endswith("_id") or name in _INTEGERS:
        return fields.Integer(allow_none=True)
    return fields.String(allow_none=True)


def payload_schemas() -> dict[str, type[Schema]]:
    """A marshmallow schema per event (for the OpenAPI document): the envelope and data."""
    out: dict[str, type[Schema]] = {}
    for name, spec in EVENTS.items():
        data = Schema.from_dict(
            {f: _field(f) for f in spec.fields}, name=f"Webhook_{name.replace('.', '_')}_data"
        )
        out[name] = Schema.from_dict(
            {
                "type": fields.String(required=True, metadata={"enum": [name]}),
                "timestamp": fields.DateTime(required=True),
                "data": fields.Nested(data, required=True),
            },
            name=f"Webhook_{name.replace('.', '_')}",
        )
    return out
