"""The reminder to submit: on Friday from 15:00 in each person's own zone, one email through
the outbox to every VA whose week is not submitted (and to each owner or manager who
tracked time that week and has not submitted it).

A periodic job (app.core.schedule) runs the sweep every quarter hour. Exactly once per
person and week: the email's idempotency key (`timesheet:reminder:<member>:<week>`) is
unique in the outbox table, so a second run, a second clock or a retry doubles nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.mail import OutboundEmail, queue_email, recipient_locale
from app.core.tenancy import all_tenants, tenant
from app.core.translation import lazy_gettext
from app.extensions import db
from app.time.models import TimeEntry
from app.timesheets.models import Timesheet
from app.timesheets.policy import TRACKERS
from app.timesheets.queries import first_weekday, week_start_of
from app.users.models import Membership, User

log = logging.getLogger("baton.timesheets")
FRIDAY = 4
REMIND_AT = dt.time(15, 0)


def reminder_key(membership_id: int, week_start: dt.date) -> str:
    return f"timesheet:reminder:{membership_id}:{week_start.isoformat()}"


def due_week(zone: str, now: dt.datetime, first: int) -> dt.date | None:
    """The week to remind about when it is Friday from 15:00 in `zone`, else None."""
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now.astimezone(dt.UTC)
    if local.weekday() != FRIDAY or local.time() < REMIND_AT:
        return None
    return week_start_of(local.date(), first)


def _my_time_link(agency_slug: str, week: dt.date) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    path = adapter.build("time.my_time", {"agency_slug": agency_slug, "week": week.isoformat()})
    return current_app.config["BASE_URL"].rstrip("/") + path


def sweep_timesheet_reminders(now: dt.datetime | None = None) -> dict:
    """The periodic job: queue the reminders that are due (safe to run twice or at once)."""
    now = now or utcnow()
    with all_tenants():
        agency_ids = list(
            db.session.scalars(
                sa.select(Membership.agency_id)
                .where(Membership.role.in_(TRACKERS), Membership.status == "active")
                .distinct()
            )
        )
    db.session.commit()
    sent = 0
    for agency_id in agency_ids:
        with tenant(agency_id):
            sent += _remind_agency(agency_id, now)
            db.session.commit()
    return {"reminded": sent}


def _remind_agency(agency_id: int, now: dt.datetime) -> int:
    first = first_weekday()
    members = list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.role.in_(TRACKERS), Membership.status == "active")
            .order_by(Membership.id)
        )
    )
    due = {}
    for member in members:
        week = due_week(member.user.time_zone or "UTC", now, first)
        if week is not None and member.user.email:
            due[member.id] = (member, week)
    if not due:
        return 0
    keys = {reminder_key(mid, week) for mid, (_m, week) in due.items()}
    done = set(
        db.session.scalars(
            sa.select(OutboundEmail.idempotency_key).where(OutboundEmail.idempotency_key.in_(keys))
        )
    )
    weeks = {week for _m, week in due.values()}
    submitted = set(
        db.session.execute(
            sa.select(Timesheet.membership_id, Timesheet.week_start).where(
                Timesheet.membership_id.in_(due),
                Timesheet.week_start.in_(weeks),
                Timesheet.state.in_(("submitted", "approved")),
            )
        ).all()
    )
    tracked = set(
        db.session.execute(
            sa.select(TimeEntry.membership_id, TimeEntry.entry_date).where(
                TimeEntry.membership_id.in_(due),
                TimeEntry.entry_date >= min(weeks),
                TimeEntry.entry_date <= max(weeks) + dt.timedelta(days=6),
            )
        ).all()
    )
    agency = db.session.get(Agency, agency_id)
    sent = 0
    for member_id, (member, week) in due.items():
        key = reminder_key(member_id, week)
        if key in done or (member_id, week) in submitted:
            continue
        if member.role != "va" and not any(
            m == member_id and week <= day <= week + dt.timedelta(days=6) for m, day in tracked
        ):
            continue
        if _send(agency, member, week, key):
            sent += 1
    if sent:
        log.info("timesheet reminders: %d in agency %d", sent, agency_id)
    return sent


def _send(agency: Agency, member: Membership, week: dt.date, key: str) -> bool:
    try:
        with db.session.begin_nested():
            queue_email(
                db.session,
                key=key,
                to=member.user.email,
                locale=recipient_locale(member.user.locale),
                subject=lazy_gettext("Submit your timesheet for this week"),
                template="notice",
                context={
                    "agency_name": agency.name,
                    "heading": lazy_gettext("Your timesheet is waiting"),
                    "body": lazy_gettext(
                        "It is Friday afternoon: check your time of this week and submit it "
                        "for approval."
                    ),
                    "link": _my_time_link(agency.slug, week),
                },
                agency_id=agency.id,
                notice="timesheet_reminders",
                from_name=agency.name,
                reply_to=agency.reply_to_email,
            )
            db.session.flush()
    except IntegrityError:  # another run queued it first
        return False
    return True
