"""Write side of timesheets: submit a week, approve, reject (with a reason), reopen; the
agency's settings; and the guard time entries go through (a submitted week is locked for
the VA; an approved one for everyone until reopened).

Services take the actor explicitly, flush but never commit, and record an audit event.
Approving stamps `approved_at` and `approved_by_id` on every entry of the person's week in
one statement; reopening clears them again on the entries not billed (billed time stays
locked for good: a correction is a credit note and a new entry).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit.services import changed, record, snapshot
from app.clients.models import Assignment
from app.core.clock import today_in, utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.formatting import format_day
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.time.models import TimeEntry
from app.time.queries import person_zone
from app.timesheets.models import WEEK_STARTS, Timesheet, TimesheetSettings
from app.timesheets.policy import TRACKERS, can_decide, can_submit_for, week_lock
from app.timesheets.queries import (
    SETTINGS_DEFAULTS,
    timesheet_for_day,
    timesheet_of,
    week_entries,
    week_start_of,
)
from app.users.models import Membership

SHEET_FIELDS = ("state", "submitted_at", "decided_at", "decided_by_id", "reject_reason")


def _summary(sheet: Timesheet, what: str) -> str:
    return f"Timesheet of membership {sheet.membership_id}, week of {sheet.week_start}: {what}"


def _member(actor: Actor, membership_id: int | None) -> Membership:
    if membership_id is None or membership_id == actor.membership.id:
        return actor.membership
    if not can_submit_for(actor, membership_id):
        raise ValidationFailed({"membership_id": [_("You can only submit your own week.")]})
    member = db.session.scalar(
        sa.select(Membership).where(
            Membership.id == membership_id,
            Membership.role.in_(TRACKERS),
            Membership.status == "active",
        )
    )
    if member is None:
        raise ValidationFailed({"membership_id": [_("Does not exist.")]})
    return member


def submit_week(actor: Actor, data: dict) -> Timesheet:
    """Submit a person's week (a VA their own; owners and managers anyone's). Refused: a
    week that has not started, a week with no time or with a running timer, a week already
    submitted or approved."""
    member = _member(actor, data.get("membership_id"))
    zone = person_zone(member)
    start = week_start_of(data.get("week") or today_in(zone))
    if start > today_in(zone):
        raise ValidationFailed({"week": [_("This week has not started yet.")]})
    entries = list(db.session.scalars(week_entries(member.id, start)))
    if not entries:
        raise ValidationFailed({"week": [_("There is no time in this week to submit.")]})
    if any(e.running for e in entries):
        raise ValidationFailed(
            {"week": [_("A timer is running in this week: stop it before submitting.")]}
        )
    sheet = timesheet_of(member.id, start)
    if sheet is not None and sheet.state in ("submitted", "approved"):
        raise Conflict(_("This week is already submitted."), code="timesheet_submitted")
    before = snapshot(sheet, SHEET_FIELDS) if sheet is not None else {}
    if sheet is None:
        sheet = Timesheet(membership_id=member.id, week_start=start)
        try:
            with db.session.begin_nested():
                db.session.add(sheet)
                sheet.state = "submitted"
                sheet.submitted_at = utcnow()
                sheet.submitted_by_id = actor.user_id
                db.session.flush()
        except IntegrityError as exc:  # submitted at the same moment elsewhere
            raise Conflict(
                _("This week is already submitted."), code="timesheet_submitted"
            ) from exc
    else:
        sheet.state = "submitted"
        sheet.submitted_at = utcnow()
        sheet.submitted_by_id = actor.user_id
        sheet.decided_at = None
        sheet.decided_by_id = None
        db.session.flush()
    b, a = changed(before, snapshot(sheet, SHEET_FIELDS))
    record(
        actor, "timesheet.submitted", sheet, summary=_summary(sheet, "submitted"), before=b, after=a
    )
    return sheet


def _may_decide(actor: Actor, sheet: Timesheet) -> None:
    if not can_decide(actor):
        raise Forbidden(_("Only owners and managers approve timesheets."))
    if actor.role == "owner" or not _settings_row().assigned_managers_only:
        return
    clients = set(
        db.session.scalars(
            week_entries(sheet.membership_id, sheet.week_start)
            .with_only_columns(TimeEntry.client_id)
            .distinct()
        )
    )
    mine = set(
        db.session.scalars(
            sa.select(Assignment.client_id).where(
                Assignment.membership_id == actor.membership.id,
                Assignment.client_id.in_(clients),
            )
        )
    )
    if clients - mine:
        raise Forbidden(
            _("Only a manager with every client of this week assigned may decide on it.")
        )


def _decide(actor: Actor, sheet: Timesheet, state: str, reason: str | None) -> dict:
    before = snapshot(sheet, SHEET_FIELDS)
    sheet.state = state
    sheet.decided_at = utcnow()
    sheet.decided_by_id = actor.user_id
    sheet.reject_reason = reason
    db.session.flush()
    return before


def _week_filter(sheet: Timesheet) -> tuple:
    return (
        TimeEntry.membership_id == sheet.membership_id,
        TimeEntry.entry_date.between(sheet.week_start, sheet.week_end),
    )


def approve_timesheet(actor: Actor, sheet: Timesheet) -> Timesheet:
    """Approve a submitted week: every entry of the person's week is approved (and locked)
    in one statement."""
    _may_decide(actor, sheet)
    if sheet.state != "submitted":
        raise Conflict(_("Only a submitted week can be approved."), code="timesheet_not_submitted")
    if any(
        e.running for e in db.session.scalars(week_entries(sheet.membership_id, sheet.week_start))
    ):
        raise Conflict(_("A timer is running in this week."), code="timer_running")
    before = _decide(actor, sheet, "approved", None)
    now = sheet.decided_at
    result = db.session.execute(
        sa.update(TimeEntry)
        .where(*_week_filter(sheet), TimeEntry.approved_at.is_(None))
        .values(approved_at=now, approved_by_id=actor.user_id)
        .execution_options(synchronize_session="fetch")
    )
    b, a = changed(before, snapshot(sheet, SHEET_FIELDS))
    a["entries_approved"] = result.rowcount
    record(
        actor, "timesheet.approved", sheet, summary=_summary(sheet, "approved"), before=b, after=a
    )
    return sheet


def reject_timesheet(actor: Actor, sheet: Timesheet, reason: str | None) -> Timesheet:
    """Send a submitted week back with a reason the VA reads; its entries stay open."""
    _may_decide(actor, sheet)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why, so the person knows what to fix.")]})
    if sheet.state != "submitted":
        raise Conflict(_("Only a submitted week can be rejected."), code="timesheet_not_submitted")
    before = _decide(actor, sheet, "rejected", reason[:2000])
    b, a = changed(before, snapshot(sheet, SHEET_FIELDS))
    record(
        actor, "timesheet.rejected", sheet, summary=_summary(sheet, "rejected"), before=b, after=a
    )
    return sheet


def reopen_timesheet(actor: Actor, sheet: Timesheet) -> Timesheet:
    """Open an approved week again: approval is cleared on its entries not billed (billed
    ones stay locked)."""
    _may_decide(actor, sheet)
    if sheet.state != "approved":
        raise Conflict(_("Only an approved week can be reopened."), code="timesheet_not_approved")
    before = _decide(actor, sheet, "reopened", None)
    result = db.session.execute(
        sa.update(TimeEntry)
        .where(*_week_filter(sheet), TimeEntry.invoice_id.is_(None))
        .values(approved_at=None, approved_by_id=None)
        .execution_options(synchronize_session="fetch")
    )
    b, a = changed(before, snapshot(sheet, SHEET_FIELDS))
    a["entries_reopened"] = result.rowcount
    record(
        actor, "timesheet.reopened", sheet, summary=_summary(sheet, "reopened"), before=b, after=a
    )
    return sheet


# --- the guard of time entries -------------------------------------------------------------------


def guard_entry(actor: Actor, membership_id: int, day: dt.date, *, adding: bool) -> None:
    """Registered in app.time.services.ENTRY_GUARDS: time on a day of a submitted week is
    locked for the VA, of an approved week for everyone (reopen it first)."""
    lock = week_lock(actor, timesheet_for_day(membership_id, day), adding=adding)
    if lock is None:
        return
    if adding:
        if lock == "approved":
            text = _(
                "The week of %(day)s is approved: its timesheet must be reopened to add time.",
                day=format_day(week_start_of(day)),
            )
        else:
            text = _(
                "The week of %(day)s is submitted: ask a manager to reject it to add time.",
                day=format_day(week_start_of(day)),
            )
        raise ValidationFailed({"date": [text]})
    if lock == "approved":
        raise Conflict(
            _("This time is approved: its timesheet must be reopened to change it."),
            code="time_approved",
        )
    raise Conflict(
        _("This week is submitted: ask a manager to reject it to change its time."),
        code="timesheet_submitted",
    )


# --- settings ----------------------------------------------------------------------------------


def _settings_row() -> TimesheetSettings:
    row = db.session.scalar(sa.select(TimesheetSettings))
    return row if row is not None else TimesheetSettings(**SETTINGS_DEFAULTS)


def update_settings(actor: Actor, data: dict) -> TimesheetSettings:
    row = db.session.scalar(sa.select(TimesheetSettings))
    if row is None:
        row = TimesheetSettings(**SETTINGS_DEFAULTS)
        db.session.add(row)
    fields = tuple(SETTINGS_DEFAULTS)
    before = snapshot(row, fields)
    if data.get("week_start") in WEEK_STARTS:
        row.week_start = data["week_start"]
    if data.get("assigned_managers_only") is not None:
        row.assigned_managers_only = bool(data["assigned_managers_only"])
    db.session.flush()
    b, a = changed(before, snapshot(row, fields))
    if a:
        record(
            actor,
            "timesheet_settings.updated",
            row,
            summary="Timesheet settings",
            before=b,
            after=a,
        )
    return row
