"""The weekly digest sweep: a periodic job (app.core.schedule, every quarter hour) that sends
each active client its digest once its send time of this week has passed in the client's
zone. A clock that was down at the send time catches up at its next sweep, until the
week ends (Sunday midnight, client time).

Exactly once per client and week, however many sweeps run, and at once: the digest row is
unique per (client, week) and is inserted in the same transaction as its emails (each with
its own outbox key `digest:<client>:<week>:<contact>`). A second sweep racing the first
waits on the unique index, then finds the row taken and sends nothing.

A paused client gets nothing; unpaused after this week's send time, it resumes next week
(weeks missed while paused are never sent).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.mail import OutboundEmail, queue_email, recipient_locale
from app.core.tenancy import all_tenants, tenant
from app.digests.figures import build_snapshot, recipients, subject_of, template_context
from app.digests.models import (
    DEFAULT_SEND_TIME,
    DEFAULT_WEEKDAY,
    ClientDigest,
    DigestPause,
    DigestSettings,
)
from app.extensions import db

log = logging.getLogger("baton.digests")
SENDING_STATUSES = ("active",)


def email_key(client_id: int, week_start: dt.date, contact_id: int) -> str:
    return f"digest:{client_id}:{week_start.isoformat()}:{contact_id}"


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def due_week(
    zone: str | None, now: dt.datetime, weekday: int, at: dt.time
) -> tuple[dt.date, dt.datetime] | None:
    """(Monday of this week, this week's send time in UTC) in `zone` once the send time has
    passed, else None. Weeks run Monday to Sunday in the client's zone."""
    tz = _zone(zone)
    local = now.astimezone(tz)
    week_start = local.date() - dt.timedelta(days=local.weekday())
    send_at = dt.datetime.combine(week_start + dt.timedelta(days=weekday), at, tzinfo=tz)
    send_utc = send_at.astimezone(dt.UTC)
    if now < send_utc:
        return None
    return week_start, send_utc


def schedule_of(agency_id: int) -> tuple[int, dt.time]:
    row = db.session.scalar(sa.select(DigestSettings).where(DigestSettings.agency_id == agency_id))
    if row is None:
        return DEFAULT_WEEKDAY, DEFAULT_SEND_TIME
    return row.weekday, row.send_time


def sweep_client_digests(now: dt.datetime | None = None) -> dict:
    """The periodic job: send the digests that are due (safe to run twice or at once)."""
    now = now or utcnow()
    with all_tenants():
        agency_ids = list(
            db.session.scalars(
                sa.select(Client.agency_id)
                .where(Client.status.in_(SENDING_STATUSES), Client.archived_at.is_(None))
                .distinct()
                .order_by(Client.agency_id)
            )
        )
    db.session.commit()
    sent = 0
    for agency_id in agency_ids:
        with tenant(agency_id):
            sent += _sweep_agency(agency_id, now)
    return {"digests": sent}


def _sweep_agency(agency_id: int, now: dt.datetime) -> int:
    weekday, at = schedule_of(agency_id)
    clients = list(
        db.session.scalars(
            sa.select(Client)
            .where(Client.status.in_(SENDING_STATUSES), Client.archived_at.is_(None))
            .order_by(Client.id)
        )
    )
    due: dict[int, tuple[Client, dt.date, dt.datetime]] = {}
    for client in clients:
        found = due_week(client.time_zone, now, weekday, at)
        if found is not None:
            due[client.id] = (client, *found)
    if not due:
        db.session.commit()
        return 0
    pauses = {
        p.client_id: p
        for p in db.session.scalars(sa.select(DigestPause).where(DigestPause.client_id.in_(due)))
    }
    done = set(
        db.session.execute(
            sa.select(ClientDigest.client_id, ClientDigest.week_start).where(
                ClientDigest.client_id.in_(due)
            )
        ).all()
    )
    agency = db.session.get(Agency, agency_id)
    db.session.commit()
    sent = 0
    for client_id, (client, week, send_at) in due.items():
        if (client_id, week) in done or not may_send(pauses.get(client_id), send_at):
            continue
        if send_digest(agency, client, week, now):
            sent += 1
        db.session.commit()  # one client per transaction: a short lock on its (client, week)
    if sent:
        log.info("client digests: %d in agency %d", sent, agency_id)
    return sent


def may_send(pause: DigestPause | None, send_at: dt.datetime) -> bool:
    """Not paused, and not unpaused after this week's send time (no backlog)."""
    if pause is None:
        return True
    return not pause.paused and pause.changed_at <= send_at


def send_digest(agency: Agency, client: Client, week: dt.date, now: dt.datetime) -> bool:
    """Record the week's digest and queue its emails, in the caller's transaction; False when
    another sweep recorded it first."""
    snapshot = build_snapshot(client, agency, now)
    contacts = recipients(client)
    locale = recipient_locale(client.locale)
    try:
        with db.session.begin_nested():
            db.session.add(
                ClientDigest(
                    agency_id=agency.id,
                    client_id=client.id,
                    week_start=week,
                    sent_at=now,
                    locale=locale or "en",
                    recipients=[c.email for c in contacts],
                    snapshot=snapshot,
                )
            )
            db.session.flush()
    except IntegrityError:  # another sweep recorded this week first
        return False
    keys = [email_key(client.id, week, c.id) for c in contacts]
    queued = set(
        db.session.scalars(
            sa.select(OutboundEmail.idempotency_key).where(OutboundEmail.idempotency_key.in_(keys))
        )
    )
    for contact, key in zip(contacts, keys, strict=True):
        if key in queued:
            continue
        queue_email(
            db.session,
            key=key,
            to=contact.email,
            locale=locale,
            subject=subject_of(snapshot),
            template="client_digest",
            context=template_context(snapshot, contact.name),
            agency_id=agency.id,
            notice="status_digest",
            from_name=agency.name,
            reply_to=agency.reply_to_email,
        )
    return True
