"""Time-off emails, queued through the outbox in the transaction of the change.

When a person asks for time off (a pending request), every active owner and manager of the
agency is told; when an owner or manager approves or declines it, the person is told (with
the reason of a decline). Time off entered by an owner or manager is approved at once and
sends nothing. Each email speaks its recipient's language (their profile's locale) and has a
unique key made from the request and the occasion, so nothing is sent twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel.speaklater import LazyString

from app.agencies.models import Agency
from app.capacity.blueprint import KIND_LABELS
from app.capacity.models import TimeOff
from app.core.formatting import format_day
from app.core.mail import OutboundEmail, queue_email, recipient_locale
from app.core.permissions import MANAGERS
from app.core.translation import lazy_gettext
from app.extensions import db
from app.users.models import Membership


def _link(endpoint: str, agency_slug: str) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    path = adapter.build(endpoint, {"agency_slug": agency_slug})
    return current_app.config["BASE_URL"].rstrip("/") + path


def _days(row: TimeOff) -> str:
    """The days, written in the language of the email being rendered."""
    if row.starts_on == row.ends_on:
        return format_day(row.starts_on)
    return f"{format_day(row.starts_on)} – {format_day(row.ends_on)}"


def _send(agency: Agency, recipient: Membership, key: str, subject, heading, body, link) -> None:
    if not recipient.user.email or not recipient.is_active_member:
        return
    if db.session.scalar(sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)):
        return
    queue_email(
        db.session,
        key=key,
        to=recipient.user.email,
        locale=recipient_locale(recipient.user.locale),
        subject=subject,
        template="notice",
        context={"agency_name": agency.name, "heading": heading, "body": body, "link": link},
        agency_id=agency.id,
        from_name=agency.name,
        reply_to=agency.reply_to_email,
        notice="time_off",
    )


def notify_requested(row: TimeOff) -> None:
    """Tell the agency's owners and managers a person asks for time off."""
    agency = db.session.get(Agency, row.agency_id)
    deciders = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.role.in_(MANAGERS),
            Membership.status == "active",
            Membership.id != row.membership_id,
        )
        .order_by(Membership.id)
    )
    name = row.member.user.name
    days = LazyString(_days, row)
    kind = KIND_LABELS.get(row.kind, KIND_LABELS["other"])
    link = _link("capacity.team", agency.slug)
    for manager in deciders:
        _send(
            agency,
            manager,
            f"time_off:{row.id}:requested:{manager.id}",
            lazy_gettext("Time off request from %(name)s", name=name),
            lazy_gettext("%(name)s asks for time off", name=name),
            lazy_gettext(
                "%(name)s asks for time off (%(kind)s): %(days)s. Approve or decline it in "
                "the time off queue.",
                name=name,
                kind=kind,
                days=days,
            ),
            link,
        )


def notify_decided(row: TimeOff) -> None:
    """Tell the person their request was approved or declined."""
    if row.state not in ("approved", "declined"):
        return
    agency = db.session.get(Agency, row.agency_id)
    days = LazyString(_days, row)
    if row.state == "approved":
        subject = lazy_gettext("Your time off is approved: %(days)s", days=days)
        body = lazy_gettext("Your time off of %(days)s is approved.", days=days)
    else:
        subject = lazy_gettext("Your time off request is declined: %(days)s", days=days)
        body = lazy_gettext(
            "Your time off request of %(days)s is declined. The reason: %(reason)s",
            days=days,
            reason=row.decline_reason or "",
        )
    _send(
        agency,
        row.member,
        f"time_off:{row.id}:{row.state}",
        subject,
        subject,
        body,
        _link("capacity.me", agency.slug),
    )
