"""The welcome packet: a client's onboarding as plain values, a branded PDF and its email.

`render_packet(agency_id, run_id, email)` is the job (pdf queue). It reads the client, its
team, channels, response time, the agency's business hours (capacity's default week, shown
in the agency's zone and the client's), the service package and the onboarding SOP's stages,
renders them in the client's language (right to left for Arabic) with the shared renderer
and the agency's branding, stores the file (`agency/<a>/onboarding/<run>/<sha prefix>.pdf`)
and, when `email`, queues one email per contact with the PDF attached (key
`onboarding:<run>:packet:<contact>`, unique in the outbox: a second run sends nothing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from babel.dates import format_time as babel_format_time
from babel.dates import get_day_names
from flask_babel import force_locale

from app.agencies.models import Agency
from app.capacity.intervals import DEFAULT_SCHEDULE, Schedule, zone_of
from app.clients.blueprint import CHANNEL_LABELS, KIND_LABELS, MESSAGE_KIND_LABELS
from app.clients.models import MESSAGE_KINDS, Assignment, Client
from app.clients.queries import current_assignment_filter
from app.core import storage
from app.core.clock import today_in, utcnow
from app.core.formatting import babel_locale, localise_digits
from app.core.i18n import language_of, speaking_locale
from app.core.mail import Attachment, OutboundEmail, queue_email
from app.core.translation import gettext, ngettext
from app.core.uow import commit
from app.documents.branding import brand_context, find_branding
from app.documents.rendering import document_context, render_document_pdf
from app.extensions import db
from app.onboarding.models import OnboardingRun
from app.onboarding.services import onboarding_sop_version, set_step
from app.promises.hours import current_week
from app.users.models import Membership

TEMPLATE = "onboarding/pdf/packet.html"
PDF_TYPE = "application/pdf"


def email_key(run_id: int, contact_id: int) -> str:
    return f"onboarding:{run_id}:packet:{contact_id}"


def _clock(minutes_or_time: dt.datetime, locale: str) -> str:
    text = babel_format_time(minutes_or_time, "HH:mm", locale=babel_locale(locale))
    return localise_digits(text, locale)


def business_hours(
    agency_zone: str,
    client_zone: str,
    day: dt.date,
    locale: str,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> list[dict]:
    """The agency's business week (in the agency's zone: the one its response times count
    in) on the week of `day`, each span also in the client's zone (its weekday too: it may
    differ)."""
    monday = day - dt.timedelta(days=day.weekday())
    names = get_day_names("wide", locale=babel_locale(locale))
    here, there = zone_of(agency_zone), zone_of(client_zone)
    rows = []
    for weekday, spans in enumerate(schedule):
        date = monday + dt.timedelta(days=weekday)
        for start, end in spans:
            midnight = dt.datetime.combine(date, dt.time(0), tzinfo=here)
            a = (midnight + dt.timedelta(minutes=start)).astimezone(dt.UTC).astimezone(here)
            b = (midnight + dt.timedelta(minutes=end)).astimezone(dt.UTC).astimezone(here)
            ca, cb = a.astimezone(there), b.astimezone(there)
            rows.append(
                {
                    "day": names[weekday],
                    "agency": f"{_clock(a, locale)}–{_clock(b, locale)}",
                    "client_day": names[ca.weekday()],
                    "client": f"{_clock(ca, locale)}–{_clock(cb, locale)}",
                    "client_end_day": names[cb.weekday()] if cb.weekday() != ca.weekday() else "",
                }
            )
    return rows


def _team(client_id: int, today: dt.date) -> list[dict]:
    rows = db.session.execute(
        sa.select(Assignment.kind, Membership)
        .join(Membership, Membership.id == Assignment.membership_id)
        .where(Assignment.client_id == client_id, current_assignment_filter(today))
        .order_by(Assignment.kind.desc(), Assignment.starts_on, Assignment.id)
    ).all()
    return [
        {"name": member.user.name, "role": str(KIND_LABELS.get(kind, kind)), "kind": kind}
        for kind, member in rows
    ]


def packet_context(run: OnboardingRun) -> dict[str, Any]:
    """Everything the packet shows, as plain values in the client's language."""
    client = db.session.get(Client, run.client_id)
    agency = db.session.get(Agency, run.agency_id)
    locale = client.locale or "en"
    language = language_of(locale)
    branding = find_branding()
    brand = brand_context(branding)
    speak = speaking_locale(locale, language)
    with force_locale(speak):
        channels = [
            {
                "kind": str(MESSAGE_KIND_LABELS[kind]),
                "channel": str(CHANNEL_LABELS.get(client.channels[kind], client.channels[kind])),
            }
            for kind in MESSAGE_KINDS
            if (client.channels or {}).get(kind)
        ]
        response = ngettext(
            "We answer within %(num)d hour.",
            "We answer within %(num)d hours.",
            client.response_time_hours,
        )
        team = _team(client.id, today_in(agency.time_zone))
        version = onboarding_sop_version(client)
        steps = [
            {
                "title": stage.get("title") or stage.get("key"),
                "description": stage.get("description") or "",
            }
            for stage in (version.stages if version else [])
        ]
        day = run.started_at.astimezone(zone_of(agency.time_zone)).date()
        hours = business_hours(agency.time_zone, client.time_zone, day, speak, current_week()[0])
    package = client.service_package
    return {
        "doc": document_context(language, locale, brand["font"]),
        "agency": {"name": agency.name, "zone": agency.time_zone},
        "brand": brand,
        "client": {"name": client.name, "zone": client.time_zone},
        "team": team,
        "channels": channels,
        "response": response,
        "hours": hours,
        "package": {"name": package.name, "description": package.description or ""}
        if package
        else None,
        "steps": steps,
    }


def render_packet_pdf(context: dict[str, Any]) -> bytes:
    return render_document_pdf(TEMPLATE, context)


def render_packet(agency_id: int, run_id: int, email: bool = False) -> dict:
    """The job: render and store the packet; with `email`, queue its emails once. Safe to
    run any number of times (tenant set by the outbox runner)."""
    run = db.session.get(OnboardingRun, run_id, with_for_update=True, populate_existing=True)
    if run is None:
        db.session.rollback()
        return {"status": "missing"}
    context = packet_context(run)
    data = render_packet_pdf(context)
    digest = hashlib.sha256(data).hexdigest()
    key = storage.make_key("agency", agency_id, "onboarding", run.id, f"{digest[:32]}.pdf")
    stored = storage.put(key, data)
    run.packet_key, run.packet_sha256 = stored.key, stored.sha256
    run.packet_rendered_at = utcnow()
    result: dict[str, Any] = {"run_id": run_id, "sha256": stored.sha256, "emails": 0}
    if email:
        result["emails"] = _email(agency_id, run, context)
        sent = _sent(run.id)
        if sent:
            set_step(run.id, "welcome_packet", "done", {"emailed": sent})
        else:
            set_step(run.id, "welcome_packet", "skipped", {"reason": "no_contacts"})
    commit()
    return result


def _sent(run_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(OutboundEmail.id)).where(
                OutboundEmail.idempotency_key.like(f"onboarding:{run_id}:packet:%")
            )
        )
        or 0
    )


def pdf_filename(context: dict[str, Any]) -> str:
    return "welcome-packet.pdf"


def _email(agency_id: int, run: OnboardingRun, context: dict) -> int:
    client = db.session.get(Client, run.client_id)
    agency = db.session.get(Agency, agency_id)
    attachment = Attachment(filename=pdf_filename(context), content_type=PDF_TYPE,
                            key=run.packet_key, sha256=run.packet_sha256)  # fmt: skip
    doc = context["doc"]
    queued = 0
    for contact in client.contacts:
        if not contact.email:
            continue
        key = email_key(run.id, contact.id)
        if db.session.scalar(
            sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)
        ):
            continue
        with force_locale(speaking_locale(doc["locale"], doc["lang"])):
            subject = gettext("Welcome to %(agency)s", agency=agency.name)
            heading = gettext("Welcome, %(client)s", client=client.name)
            body = gettext(
                "Your welcome packet is attached: your team, how to reach us, our hours and "
                "the next steps."
            )
        queue_email(
            db.session,
            key=key,
            to=contact.email,
            locale=client.locale,
            subject=subject,
            template="notice",
            context={"agency_name": agency.name, "heading": heading, "body": body, "link": None},
            agency_id=agency_id,
            from_name=agency.name,
            reply_to=agency.reply_to_email,
            attachments=[attachment],
        )
        queued += 1
    db.session.flush()
    return queued
