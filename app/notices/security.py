"""Security alerts to the agency's owners and managers: a login in the client vault was
revealed, a member's role changed. They are notifications of the kind `security`, which
owners cannot delay or switch off; the person who acted is not told of their own act."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel.speaklater import LazyString

from app.agencies.models import Agency
from app.core.mail import queue_email, recipient_locale
from app.core.permissions import MANAGERS, Actor
from app.extensions import db
from app.users.models import Membership


def _link(endpoint: str, **values: object) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def alert_managers(
    actor: Actor,
    *,
    key: str,
    subject: LazyString,
    heading: LazyString,
    body: LazyString,
    endpoint: str,
    **url_values: object,
) -> int:
    """Queue the alert to every active owner and manager but the actor (once per key and
    person); returns how many were asked (their preference decides the rest)."""
    agency = db.session.get(Agency, actor.agency_id)
    link = _link(endpoint, agency_slug=agency.slug, **url_values)
    members = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.role.in_(MANAGERS),
            Membership.status == "active",
            Membership.user_id != actor.user_id,
        )
        .order_by(Membership.id)
    ).all()
    asked = 0
    for member in members:
        if not member.user.email:
            continue
        queue_email(
            db.session,
            key=f"{key}:{member.id}",
            to=member.user.email,
            locale=recipient_locale(member.user.locale),
            subject=subject,
            template="notice",
            context={"agency_name": agency.name, "heading": heading, "body": body, "link": link},
            agency_id=agency.id,
            from_name=agency.name,
            notice="security",
        )
        asked += 1
    return asked
