"""Sending surveys: a CSAT question after a delivery (at most one per client in the agency's
N days) and the quarterly NPS question, each by email through the outbox.

Both are decided in the database, never in memory. A delivery locks its client's row before
it looks for a recent CSAT, so two deliveries at once for one client make one survey (the
second waits for the first to commit and then sees it). The NPS sweep relies on the unique
key (client, kind, quarter): two clocks, a retried job or a clock that was down and catches
up all send each client's quarter once. A quarter the clock missed entirely is not sent late
(asking in January about the summer reads as a mistake); the current one is.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency
from app.clients.models import Client, Contact
from app.core.clock import utcnow
from app.core.mail import queue_email, recipient_locale
from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants, tenant
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.surveys.models import DEFAULT_CSAT_INTERVAL_DAYS, LINK_DAYS, SCALES, Survey, SurveySettings
from app.users.models import Membership, User
from app.work.models import Review, WorkItem


def csat_interval_days() -> int:
    """The current agency's N: at most one CSAT per client in this many days."""
    days = db.session.scalar(sa.select(SurveySettings.csat_interval_days))
    return days if days is not None else DEFAULT_CSAT_INTERVAL_DAYS


def quarter_of(now: dt.datetime, zone: str | None) -> str:
    """The calendar quarter `now` falls in, in `zone` ("2026Q4")."""
    local = now.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def answer_link(token: str, score: int | None = None) -> str:
    """The absolute address of the survey's answer page (never from a Host header)."""
    adapter = current_app.url_map.bind("baton.invalid")
    values: dict = {"token": token}
    if score is not None:
        values["score"] = score
    path = adapter.build("surveys.answer", values)
    return current_app.config["BASE_URL"].rstrip("/") + path


Recipient = tuple[str, str, str | None]  # email, name, locale


def _approver(item: WorkItem, client: Client) -> list[Recipient]:
    """The client contact who approved the work from their own login (not an approval an
    owner recorded for them), if any."""
    row = db.session.execute(
        sa.select(User.email, User.name, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .join(Review, Review.reviewer_id == Membership.id)
        .where(
            Review.work_item_id == item.id,
            Review.outcome == "client_approved",
            Membership.role == "client",
            Membership.status == "active",
        )
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(1)
    ).first()
    return [(row.email, row.name, recipient_locale(row.locale, client.locale))] if row else []


def client_contacts(client: Client) -> list[Recipient]:
    """Every contact of the client with an email, once per address."""
    rows = db.session.execute(
        sa.select(Contact.email, Contact.name, User.locale)
        .outerjoin(Membership, Membership.id == Contact.membership_id)
        .outerjoin(User, User.id == Membership.user_id)
        .where(Contact.client_id == client.id, Contact.email.is_not(None), Contact.email != "")
        .order_by(Contact.id)
    ).all()
    seen: set[str] = set()
    out: list[Recipient] = []
    for email, name, locale in rows:
        if email.lower() not in seen:
            seen.add(email.lower())
            out.append((email, name, recipient_locale(locale, client.locale)))
    return out


def _create(
    agency: Agency,
    client: Client,
    kind: str,
    recipients: list[Recipient],
    source: str,
    *,
    item: WorkItem | None = None,
    period: str | None = None,
    now: dt.datetime,
) -> Survey:
    """The survey row and one email per recipient, all in the current transaction."""
    raw = new_token("srv_")
    survey = Survey(
        agency_id=agency.id,
        kind=kind,
        client_id=client.id,
        work_item_id=item.id if item else None,
        period=period,
        recipients=[email for email, _name, _locale in recipients],
        recipient_source=source,
        token_hash=token_hash(raw),
        sent_at=now,
        expires_at=now + dt.timedelta(days=LINK_DAYS),
    )
    db.session.add(survey)
    db.session.flush()
    low, high = SCALES[kind]
    scores = [(score, answer_link(raw, score)) for score in range(low, high + 1)]
    if kind == "csat":
        subject = lazy_gettext("How did we do? %(title)s", title=item.title if item else "")
    else:
        subject = lazy_gettext("Would you recommend %(agency)s?", agency=agency.name)
    for email, name, locale in recipients:
        queue_email(
            db.session,
            key=f"survey:{survey.id}:{email.lower()}",
            to=email,
            locale=locale,
            subject=subject,
            template="survey",
            context={
                "kind": kind,
                "agency_name": agency.name,
                "recipient_name": name,
                "title": item.title if item else "",
                "scores": scores,
                "link": answer_link(raw),
                "days": LINK_DAYS,
            },
            agency_id=agency.id,
            notice="surveys",
            reply_to=agency.reply_to_email,
        )
    return survey


def send_csat_after_delivery(item: WorkItem, now: dt.datetime | None = None) -> Survey | None:
    """Ask the client how satisfied they are with `item`, just delivered, unless they were
    asked in the agency's last N days. Goes to the contact who approved the work, else to
    every contact of the client with an email; nobody to ask, no survey."""
    now = now or utcnow()
    # Serialises deliveries of one client: the second waits here until the first commits,
    # then sees its survey (READ COMMITTED takes a new snapshot per statement).
    db.session.execute(
        sa.select(Client.id).where(Client.id == item.client_id).with_for_update()
    ).all()
    since = now - dt.timedelta(days=csat_interval_days())
    recent = db.session.scalar(
        sa.select(Survey.id)
        .where(Survey.client_id == item.client_id, Survey.kind == "csat", Survey.sent_at > since)
        .limit(1)
    )
    if recent is not None:
        return None
    client = db.session.get(Client, item.client_id)
    recipients, source = _approver(item, client), "approver"
    if not recipients:
        recipients, source = client_contacts(client), "contacts"
    if not recipients:
        return None
    agency = db.session.get(Agency, item.agency_id)
    return _create(agency, client, "csat", recipients, source, item=item, now=now)


def on_delivered(item: WorkItem) -> None:
    """The work domain's delivery hook (registered in `register_survey_hooks`)."""
    send_csat_after_delivery(item)


def register_survey_hooks() -> None:
    """Ask for a CSAT when work is delivered (once, however many apps are created)."""
    from app.work.transitions import DELIVERY_HOOKS

    if on_delivered not in DELIVERY_HOOKS:
        DELIVERY_HOOKS.append(on_delivered)


def sweep_nps(now: dt.datetime | None = None) -> dict:
    """Send this quarter's NPS question (client's zone) to every active client not yet asked
    it; each client in its own transaction. Safe to run any number of times at once."""
    now = now or utcnow()
    with all_tenants():
        rows = db.session.execute(
            sa.select(Client.id, Client.agency_id, Client.time_zone)
            .join(Agency, Agency.id == Client.agency_id)
            .where(Client.status == "active", Client.archived_at.is_(None))
            .order_by(Client.agency_id, Client.id)
        ).all()
    created = skipped = 0
    for client_id, agency_id, zone in rows:
        with tenant(agency_id):
            outcome = ask_nps(agency_id, client_id, quarter_of(now, zone), now)
            if outcome == "created":
                commit()
                created += 1
            elif outcome == "no_contacts":
                skipped += 1
            else:
                db.session.rollback()
    return {"created": created, "no_contacts": skipped}


def ask_nps(agency_id: int, client_id: int, period: str, now: dt.datetime) -> str:
    """Ask one client this quarter's NPS question in the caller's transaction (tenant set):
    "created", "asked" (already, by this or another run: nothing done) or "no_contacts"."""
    asked = db.session.scalar(
        sa.select(Survey.id).where(
            Survey.client_id == client_id, Survey.kind == "nps", Survey.period == period
        )
    )
    if asked is not None:
        return "asked"
    client = db.session.get(Client, client_id)
    recipients = client_contacts(client)
    if not recipients:
        return "no_contacts"
    agency = db.session.get(Agency, agency_id)
    try:
        with db.session.begin_nested():
            _create(agency, client, "nps", recipients, "contacts", period=period, now=now)
    except IntegrityError:  # another clock asked this client this quarter first
        return "asked"
    return "created"
