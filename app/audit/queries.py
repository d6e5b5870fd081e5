"""Read side of the audit log: the owners' filtered, newest-first view of the agency's events."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.audit.models import AuditEvent
from app.audit.policy import can_view_audit_log
from app.core.permissions import Actor
from app.extensions import db
from app.users.models import Membership


def visible_audit_events(actor: Actor) -> sa.Select:
    stmt = sa.select(AuditEvent)
    if can_view_audit_log(actor):
        return stmt
    return stmt.where(sa.false())


def get_audit_event_or_404(actor: Actor, event_id: int) -> AuditEvent:
    event = db.session.scalar(visible_audit_events(actor).where(AuditEvent.id == event_id))
    if event is None:
        raise NotFound()
    return event


def _day_start(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def audit_event_query(actor: Actor, filters: dict) -> sa.Select:
    """Events matching the filters (see AuditFilterArgs), newest first. Date filters are
    whole days in the actor's own time zone."""
    zone = getattr(actor.user, "time_zone", None) or "UTC"
    stmt = visible_audit_events(actor)
    if filters.get("action"):
        stmt = stmt.where(AuditEvent.action == filters["action"])
    if filters.get("entity_type"):
        stmt = stmt.where(AuditEvent.entity_type == filters["entity_type"])
    if filters.get("actor_id"):
        stmt = stmt.where(AuditEvent.actor_user_id == filters["actor_id"])
    if filters.get("entity_id"):
        stmt = stmt.where(AuditEvent.entity_id == filters["entity_id"])
    if filters.get("date_from"):
        stmt = stmt.where(AuditEvent.at >= _day_start(filters["date_from"], zone))
    if filters.get("date_to"):
        end = _day_start(filters["date_to"] + dt.timedelta(days=1), zone)
        stmt = stmt.where(AuditEvent.at < end)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def audit_filter_choices(actor: Actor) -> dict:
    """Options of the filter form: the actions and entity types present, and the members."""
    if not can_view_audit_log(actor):
        return {"actions": [], "entity_types": [], "people": []}
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    types = db.session.scalars(
        sa.select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
    ).all()
    members = db.session.scalars(sa.select(Membership)).all()
    people = sorted({(m.user_id, m.user.name) for m in members}, key=lambda p: p[1].lower())
    return {"actions": list(actions), "entity_types": list(types), "people": people}
