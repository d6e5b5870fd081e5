"""The daily summary: each person who chose "daily summary" for a kind gets, once a day
from 07:00 in their zone, one email listing the notifications held since the last one.

Exactly once per person and local day: the email's idempotency key is made of the member
and the day, and the held notices it lists are claimed under a row lock (another sweep
running at the same time skips them) and marked with that email in the same transaction.
A notice held after the day's summary went out waits for the next day's.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.mail import OutboundEmail, queue_email, recipient_locale
from app.core.tenancy import all_tenants, tenant
from app.core.translation import lazy_gettext, lazy_ngettext
from app.extensions import db
from app.notices.kinds import BY_CODE, KINDS
from app.notices.models import HeldNotice
from app.users.models import Membership

log = logging.getLogger("baton.notices")
SUMMARY_HOUR = 7


def summary_day(now: dt.datetime, zone: str | None) -> dt.date | None:
    """The local day whose summary is due at `now`: today from 07:00 local, else None."""
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now.astimezone(dt.UTC)
    return local.date() if local.hour >= SUMMARY_HOUR else None


def summary_key(membership_id: int, day: dt.date) -> str:
    return f"notice-summary:{membership_id}:{day.isoformat()}"


def send_daily_summaries(now: dt.datetime | None = None) -> dict:
    """The periodic job: one summary per member with held notices whose 07:00 has come."""
    now = now or utcnow()
    with all_tenants():
        waiting = db.session.execute(
            sa.select(HeldNotice.agency_id, HeldNotice.membership_id)
            .where(HeldNotice.summary_email_id.is_(None), HeldNotice.created_at <= now)
            .group_by(HeldNotice.agency_id, HeldNotice.membership_id)
            .order_by(HeldNotice.agency_id, HeldNotice.membership_id)
        ).all()
    db.session.commit()
    sent = 0
    for agency_id, membership_id in waiting:
        with tenant(agency_id):
            if _send_summary(agency_id, membership_id, now):
                sent += 1
            db.session.commit()  # one person per transaction
    if sent:
        log.info("daily summaries: %d sent", sent)
    return {"sent": sent}


def _send_summary(agency_id: int, membership_id: int, now: dt.datetime) -> bool:
    member = db.session.get(Membership, membership_id)
    if member is None or not member.is_active_member or not member.user.email:
        return False
    agency = db.session.get(Agency, agency_id)
    client = db.session.get(Client, member.client_id) if member.client_id else None
    zone = member.user.time_zone or (client.time_zone if client else None) or agency.time_zone
    day = summary_day(now, zone)
    if day is None:
        return False
    key = summary_key(membership_id, day)
    if db.session.scalar(sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)):
        return False  # today's went out; these wait for tomorrow's
    held = list(
        db.session.scalars(
            sa.select(HeldNotice)
            .where(
                HeldNotice.membership_id == membership_id,
                HeldNotice.summary_email_id.is_(None),
                HeldNotice.created_at <= now,
            )
            .order_by(HeldNotice.created_at, HeldNotice.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not held:
        return False
    order = {k.code: i for i, k in enumerate(KINDS)}
    groups: dict[str, list[HeldNotice]] = {}
    for notice in sorted(held, key=lambda n: order.get(n.kind, len(order))):
        groups.setdefault(notice.kind, []).append(notice)
    email = queue_email(
        db.session,
        key=key,
        to=member.user.email,
        locale=recipient_locale(member.user.locale, client.locale if client else None),
        subject=lazy_ngettext(
            "Your daily summary from %(agency)s: %(num)d notification",
            "Your daily summary from %(agency)s: %(num)d notifications",
            len(held),
            agency=agency.name,
        ),
        template="notice_summary",
        context={
            "agency_name": agency.name,
            "recipient_name": member.user.name,
            "groups": [
                {"label": BY_CODE[code].label if code in BY_CODE else code, "notices": rows}
                for code, rows in groups.items()
            ],
            "heading": lazy_gettext("Your daily summary"),
        },
        agency_id=agency.id,
        from_name=agency.name,
        reply_to=agency.reply_to_email,
    )
    for notice in held:
        notice.summary_email_id = email.id
    db.session.flush()
    return True
