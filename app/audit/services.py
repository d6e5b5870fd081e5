"""Write side of the audit trail: services of every domain call `record` in their transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect

from app.audit.models import AuditEvent
from app.core.permissions import Actor
from app.extensions import db

# Other domains hear of every audit record as it is written, in the same transaction (the
# outgoing webhooks register here, see create_app); each is called (actor, event, entity).
RECORD_HOOKS: list[Callable[[Actor, AuditEvent, Any], None]] = []


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict:
    """The column values of a model instance, as JSON-safe plain values."""
    mapper = inspect(obj).mapper
    names = fields or tuple(c.key for c in mapper.column_attrs)
    return {name: _plain(getattr(obj, name)) for name in names}


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, on both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    actor: Actor,
    action: str,
    entity: Any,
    *,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append an audit event in the current transaction (it commits or rolls back with it)."""
    event = AuditEvent(
        agency_id=actor.agency_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:160],
        action=action,
        entity_type=type(entity).__tablename__ if hasattr(entity, "__tablename__") else str(entity),
        entity_id=getattr(entity, "id", None),
        summary=summary[:255],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        ip=actor.ip,
    )
    db.session.add(event)
    for hook in RECORD_HOOKS:
        hook(actor, event, entity)
    return event
