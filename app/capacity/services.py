"""Write side of capacity: working hours, client business hours, time off (request, enter,
approve, decline, cancel) and meeting slots.

Services take the actor explicitly, flush but never commit, and record an audit event.
Owners and managers are told of requests in the app (the Time off queue and its count on
the dashboard) and by email; the person is emailed the decision (app.capacity.notices).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.capacity.intervals import to_json
from app.capacity.models import ClientHours, MeetingSlot, TimeOff, WorkingHours
from app.capacity.notices import notify_decided, notify_requested
from app.capacity.policy import PEOPLE, can_cancel, can_decide, can_edit_hours
from app.capacity.queries import overlapping_time_off
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.users.models import Membership

HOURS_FIELDS = ("schedule", "country", "subdivision")
TIME_OFF_FIELDS = ("state", "decided_at", "decided_by_id", "decline_reason")


def save_hours(actor: Actor, member: Membership, data: dict) -> WorkingHours:
    """Save a member's week and holiday country (their own, or anyone's for managers)."""
    if not can_edit_hours(actor, member.id):
        raise Forbidden(_("You can only change your own hours."))
    row = db.session.scalar(sa.select(WorkingHours).where(WorkingHours.membership_id == member.id))
    before = snapshot(row, HOURS_FIELDS) if row is not None else {}
    if row is None:
        row = WorkingHours(membership_id=member.id)
        db.session.add(row)
    row.schedule = to_json(data["schedule"])
    row.country = data.get("country")
    row.subdivision = data.get("subdivision") if row.country else None
    row.updated_by_id = actor.user_id
    db.session.flush()
    old, new = changed(before, snapshot(row, HOURS_FIELDS))
    record(
        actor,
        "working_hours.updated",
        row,
        summary=f"Working hours of membership {member.id} saved",
        before=old,
        after=new,
    )
    return row


def save_client_hours(actor: Actor, client: Client, data: dict) -> ClientHours:
    if not actor.is_manager:
        raise Forbidden(_("Your role does not allow this."))
    row = db.session.scalar(sa.select(ClientHours).where(ClientHours.client_id == client.id))
    before = snapshot(row, ("schedule",)) if row is not None else {}
    if row is None:
        row = ClientHours(client_id=client.id)
        db.session.add(row)
    row.schedule = to_json(data["schedule"])
    row.updated_by_id = actor.user_id
    db.session.flush()
    old, new = changed(before, snapshot(row, ("schedule",)))
    record(
        actor,
        "client_hours.updated",
        row,
        summary=f"Business hours of client {client.id} saved",
        before=old,
        after=new,
    )
    return row


def _person(actor: Actor, membership_id: int | None) -> Membership:
    if membership_id is None or membership_id == actor.membership.id:
        if actor.role not in PEOPLE:
            raise Forbidden(_("Your role does not allow this."))
        return actor.membership
    if not actor.is_manager:
        raise ValidationFailed({"membership_id": [_("You can only request your own time off.")]})
    member = db.session.scalar(
        sa.select(Membership).where(
            Membership.id == membership_id,
            Membership.role.in_(PEOPLE),
            Membership.status == "active",
        )
    )
    if member is None:
        raise ValidationFailed({"membership_id": [_("Does not exist.")]})
    return member


def request_time_off(actor: Actor, data: dict) -> TimeOff:
    """A person asks for time off (pending); owners and managers enter it (approved)."""
    member = _person(actor, data.get("membership_id"))
    if overlapping_time_off(member.id, data["starts_on"], data["ends_on"]) is not None:
        raise ValidationFailed(
            {"starts_on": [_("These days overlap time off already requested or approved.")]}
        )
    entered = actor.is_manager
    row = TimeOff(
        membership_id=member.id,
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        minutes=data.get("minutes"),
        kind=data.get("kind") or "vacation",
        note=data.get("note"),
        state="approved" if entered else "pending",
        requested_by_id=actor.user_id,
        decided_by_id=actor.user_id if entered else None,
        decided_at=utcnow() if entered else None,
    )
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "time_off.entered" if entered else "time_off.requested",
        row,
        summary=(
            f"Time off of membership {member.id}, {row.starts_on}..{row.ends_on}: "
            + ("entered" if entered else "requested")
        ),
        after=snapshot(row),
    )
    if not entered:
        notify_requested(row)
    return row


def _lock(row: TimeOff) -> None:
    """Read the request again, locked: a decision or cancellation made meanwhile by someone
    else is seen (and a second one waits for the first to commit), so one change stands and
    one email tells it."""
    db.session.scalars(
        sa.select(TimeOff)
        .where(TimeOff.id == row.id)
        .with_for_update(of=TimeOff)
        .execution_options(populate_existing=True)
    ).one()


def _decide(actor: Actor, row: TimeOff, state: str, reason: str | None = None) -> TimeOff:
    if not can_decide(actor):
        raise Forbidden(_("Your role does not allow this."))
    _lock(row)
    if row.state != "pending":
        raise Conflict(_("Only a pending request can be decided."), code="time_off_not_pending")
    before = snapshot(row, TIME_OFF_FIELDS)
    row.state = state
    row.decided_at = utcnow()
    row.decided_by_id = actor.user_id
    row.decline_reason = reason
    db.session.flush()
    old, new = changed(before, snapshot(row, TIME_OFF_FIELDS))
    record(
        actor,
        f"time_off.{state}",
        row,
        summary=f"Time off {row.id} of membership {row.membership_id}: {state}",
        before=old,
        after=new,
    )
    notify_decided(row)
    return row


def approve_time_off(actor: Actor, row: TimeOff) -> TimeOff:
    return _decide(actor, row, "approved")


def decline_time_off(actor: Actor, row: TimeOff, reason: str | None) -> TimeOff:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Give a reason: the person reads it.")]})
    return _decide(actor, row, "declined", reason.strip())


def cancel_time_off(actor: Actor, row: TimeOff) -> TimeOff:
    _lock(row)
    if not can_cancel(actor, row):
        if row.state in ("cancelled", "declined"):
            raise Conflict(_("This time off is already over."), code="time_off_closed")
        raise Conflict(
            _("Only a pending request can be cancelled: ask a manager."),
            code="time_off_not_pending",
        )
    before = snapshot(row, TIME_OFF_FIELDS)
    row.state = "cancelled"
    row.decided_at = utcnow()
    row.decided_by_id = actor.user_id
    db.session.flush()
    old, new = changed(before, snapshot(row, TIME_OFF_FIELDS))
    record(
        actor,
        "time_off.cancelled",
        row,
        summary=f"Time off {row.id} of membership {row.membership_id}: cancelled",
        before=old,
        after=new,
    )
    return row


def create_slot(actor: Actor, client: Client, data: dict) -> MeetingSlot:
    if not actor.is_manager:
        raise Forbidden(_("Your role does not allow this."))
    member = db.session.scalar(
        sa.select(Membership).where(
            Membership.id == data["membership_id"],
            Membership.role.in_(PEOPLE),
            Membership.status == "active",
        )
    )
    if member is None:
        raise ValidationFailed({"membership_id": [_("Does not exist.")]})
    start: dt.time = data["start"]
    slot = MeetingSlot(
        client_id=client.id,
        membership_id=member.id,
        weekday=data["weekday"],
        start_minute=start.hour * 60 + start.minute,
        duration_minutes=data.get("duration_minutes") or 30,
        active=True,
        created_by_id=actor.user_id,
    )
    db.session.add(slot)
    db.session.flush()
    record(
        actor,
        "meeting_slot.created",
        slot,
        summary=f"Meeting slot of client {client.id} with membership {member.id} created",
        after=snapshot(slot),
    )
    return slot


def delete_slot(actor: Actor, slot: MeetingSlot) -> None:
    if not actor.is_manager:
        raise Forbidden(_("Your role does not allow this."))
    record(
        actor,
        "meeting_slot.deleted",
        slot,
        summary=f"Meeting slot {slot.id} of client {slot.client_id} deleted",
        before=snapshot(slot),
    )
    db.session.delete(slot)
    db.session.flush()
