"""The periodic sweep of response clocks: at 75 % of the promise the client's current VAs
(primary and backup) and the agency's owners are warned, at 100 % the clock is flagged as
breached and they are told. Once per clock and occasion, ever: each clock is claimed under
a row lock and marked before its emails are queued, and every email's outbox key is unique
per clock, occasion and recipient, so two sweeps racing send each notice once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.agencies.models import Agency
from app.clients.models import Assignment, Client
from app.clients.queries import current_assignment_filter
from app.core.clock import today_in, utcnow
from app.core.mail import queue_email, recipient_locale
from app.core.tenancy import all_tenants, tenant
from app.core.translation import lazy_gettext
from app.extensions import db
from app.promises.models import ResponseClock
from app.users.models import Membership

SWEEP_BATCH = 500


def _due_filter(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        ResponseClock.state == "running",
        sa.or_(
            sa.and_(ResponseClock.warned_at.is_(None), ResponseClock.warn_at <= now),
            sa.and_(ResponseClock.breached_at.is_(None), ResponseClock.due_at <= now),
        ),
    )


def sweep_response_clocks(now: dt.datetime | None = None) -> dict:
    """The periodic job: warn and flag the clocks whose time has come, agency by agency."""
    now = now or utcnow()
    with all_tenants():
        due = db.session.execute(
            sa.select(ResponseClock.agency_id, ResponseClock.id)
            .where(_due_filter(now))
            .order_by(ResponseClock.agency_id, ResponseClock.id)
            .limit(SWEEP_BATCH)
        ).all()
    db.session.commit()
    by_agency: dict[int, list[int]] = {}
    for agency_id, clock_id in due:
        by_agency.setdefault(agency_id, []).append(clock_id)
    result = {"warned": 0, "breached": 0}
    for agency_id, ids in by_agency.items():
        with tenant(agency_id):
            for clock_id in ids:
                occasion = _claim(clock_id, now)
                if occasion is not None:
                    result[occasion] += 1
                db.session.commit()
    return result


def _claim(clock_id: int, now: dt.datetime) -> str | None:
    """Lock one clock, re-check it and mark it; the notices go in the same transaction."""
    clock = db.session.scalar(
        sa.select(ResponseClock).where(ResponseClock.id == clock_id).with_for_update()
    )
    if clock is None or clock.state != "running":
        return None
    if clock.breached_at is None and clock.due_at is not None and clock.due_at <= now:
        clock.breached_at = now
        # A clock first seen past its promise gets the breach notice only, never a late warning.
        clock.warned_at = clock.warned_at or now
        occasion = "breached"
    elif clock.warned_at is None and clock.warn_at is not None and clock.warn_at <= now:
        clock.warned_at = now
        occasion = "warned"
    else:
        return None
    db.session.flush()
    _notify(clock, occasion)
    return occasion


def recipients(client_id: int, today: dt.date) -> list[Membership]:
    """The client's current VAs (primary and backup) and the agency's owners, once each."""
    vas = sa.select(Assignment.membership_id).where(
        Assignment.client_id == client_id,
        Assignment.kind.in_(("primary", "backup")),
        current_assignment_filter(today),
    )
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.status == "active",
                sa.or_(Membership.role == "owner", Membership.id.in_(vas)),
            )
            .order_by(Membership.id)
        )
    )


def _link(agency: Agency, clock: ResponseClock) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    if clock.thread_kind == "work_item":
        path = adapter.build(
            "work.show_work_item", {"agency_slug": agency.slug, "work_item_id": clock.thread_id}
        )
    else:
        path = adapter.build("promises.list_clocks", {"agency_slug": agency.slug})
    return current_app.config["BASE_URL"].rstrip("/") + path


def _notify(clock: ResponseClock, occasion: str) -> None:
    agency = db.session.get(Agency, clock.agency_id)
    client = db.session.get(Client, clock.client_id)
    hours = clock.promised_seconds // 3600
    link = _link(agency, clock)
    for member in recipients(clock.client_id, today_in(agency.time_zone)):
        if not member.user.email:
            continue
        if occasion == "warned":
            subject = lazy_gettext("%(client)s is waiting for an answer", client=client.name)
            heading = lazy_gettext("Three quarters of the promised time are gone")
            body = lazy_gettext(
                "%(client)s wrote and has had no answer yet; we promise one within "
                "%(hours)d business hours. Answer them before the promise is broken.",
                client=client.name,
                hours=hours,
            )
        else:
            subject = lazy_gettext("Response promise broken: %(client)s", client=client.name)
            heading = lazy_gettext("The promised response time has passed")
            body = lazy_gettext(
                "%(client)s has waited more than the %(hours)d business hours we promise "
                "for an answer. Answer them now.",
                client=client.name,
                hours=hours,
            )
        queue_email(
            db.session,
            key=f"promise:{clock.id}:{occasion}:{member.id}",
            to=member.user.email,
            locale=recipient_locale(member.user.locale),
            subject=subject,
            template="notice",
            context={
                "agency_name": agency.name,
                "heading": heading,
                "body": body,
                "link": link,
            },
            agency_id=agency.id,
            notice="response_promise",
        )
