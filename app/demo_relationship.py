"""The demo agency's client relationship: response-time promises kept and broken, last
week's status digests, answered satisfaction surveys, and a client in onboarding (Atlas
Logistics) whose contact filled the intake questionnaire with a tool login, plus the logins
the agency keeps for it in the vault.

Everything goes through the services a person or the clock would use, with the times of
the story passed in (a clock's received and answered times, a digest's send time)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.permissions import Actor
from app.digests.models import ClientDigest
from app.digests.sweep import schedule_of, send_digest
from app.extensions import db
from app.intake.services import create_questionnaire, send_questionnaire, submit_answers
from app.notices.services import save_preferences
from app.portal.models import WorkRequest
from app.promises.services import business_week, staff_replied, start_response_clock
from app.surveys.models import Survey
from app.surveys.sending import ask_nps, quarter_of
from app.surveys.services import answer_survey
from app.users.models import Membership
from app.vault.services import create_vault_entry

# CSAT answers in the order the surveys were sent: one low score opens a follow-up item.
CSAT_ANSWERS = [(5, "Spot on, thank you!"), (4, None), (2, "The posts went out a day late.")]
NPS_ANSWERS = [(9, "Reliable and quick."), (6, "Good, but reports come late.")]
INTAKE_QUESTIONS = [
    {"label": "Who signs off on deliverables?", "kind": "text", "required": True},
    {
        "label": "Which channels do you use?",
        "kind": "multiple_choice",
        "options": ["Email", "Slack", "WhatsApp", "Phone"],
    },
    {"label": "When should we start?", "kind": "date", "required": True},
    {"label": "Your shared drive", "kind": "url"},
    {"label": "Login to your accounting tool", "kind": "tool_login", "required": True},
    {"label": "Anything we should know?", "kind": "long_text"},
]


def _business_instant(agency_id: int, day: dt.date, hour: int) -> dt.datetime:
    zone = business_week(agency_id).zone
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone).astimezone(dt.UTC)


def _weekday_before(day: dt.date, days: int) -> dt.date:
    """The working day at least `days` before `day` (a weekend moves to the Friday)."""
    back = day - dt.timedelta(days=days)
    while back.weekday() >= 5:
        back -= dt.timedelta(days=1)
    return back


def _request(client: Client, contact: Membership | None, title: str, at: dt.datetime):
    request = WorkRequest(
        client_id=client.id,
        requested_by_id=contact.id if contact else None,
        title=title,
        status="open",
        created_at=at,
    )
    db.session.add(request)
    db.session.flush()
    return request


def _promises(agency: Agency, client: Client, contact: Membership, owner: Actor) -> None:
    """A request answered within the promise, one answered late (breached) and one still
    waiting for a first answer."""
    today = utcnow().date()
    kept_at = _business_instant(agency.id, _weekday_before(today, 6), 10)
    kept = _request(client, contact, "Update the opening hours on Google", kept_at)
    start_response_clock(client.id, "work_request", kept.id, kept_at)
    staff_replied("work_request", kept.id, kept_at + dt.timedelta(hours=3), owner.user_id)

    late_at = _business_instant(agency.id, _weekday_before(today, 13), 11)
    late = _request(client, contact, "Quote for the spring catering flyers", late_at)
    clock = start_response_clock(client.id, "work_request", late.id, late_at)
    if clock is not None and clock.due_at is not None:
        clock.breached_at = clock.due_at  # what the sweep flagged at the time
        clock.warned_at = clock.warn_at
        staff_replied("work_request", late.id, clock.due_at + dt.timedelta(days=2), owner.user_id)

    waiting_at = utcnow() - dt.timedelta(hours=2)
    waiting = _request(client, contact, "New photos for the Christmas menu", waiting_at)
    start_response_clock(client.id, "work_request", waiting.id, waiting_at)


def _last_weeks_digests(agency: Agency, clients: list[Client]) -> None:
    """Each active client's digest of last week, as the clock sent it on its day."""
    weekday, send_time = schedule_of(agency.id)
    for client in clients:
        if client.status != "active":
            continue
        zone = zoneinfo.ZoneInfo(client.time_zone or "UTC")
        local_today = utcnow().astimezone(zone).date()
        this_week = local_today - dt.timedelta(days=local_today.weekday())
        week = this_week - dt.timedelta(days=7)
        sent_on = week + dt.timedelta(days=weekday)
        send_at = dt.datetime.combine(sent_on, send_time, tzinfo=zone).astimezone(dt.UTC)
        exists = db.session.scalar(
            sa.select(ClientDigest.id).where(
                ClientDigest.client_id == client.id, ClientDigest.week_start == week
            )
        )
        if exists is None:
            send_digest(agency, client, week, send_at)


def _surveys(agency: Agency, clients: list[Client]) -> None:
    """The delivered work's CSAT surveys (sent by the deliveries) and this quarter's NPS,
    answered from the emailed links; the low scores open follow-up items for the owner."""
    via_link = Actor(user=None, agency=agency, via="survey")
    now = utcnow()
    for client in clients:
        if client.status == "active":
            ask_nps(agency.id, client.id, quarter_of(now, client.time_zone), now)
    db.session.flush()
    for kind, answers in (("csat", CSAT_ANSWERS), ("nps", NPS_ANSWERS)):
        surveys = db.session.scalars(
            sa.select(Survey).where(Survey.kind == kind).order_by(Survey.id).limit(len(answers))
        ).all()
        for survey, (score, comment) in zip(surveys, answers, strict=False):
            answer_survey(via_link, survey, {"score": score, "comment": comment})


def _intake(agency: Agency, client: Client, contact: Membership, owner: Actor) -> None:
    """The onboarding client's contact answered the intake questionnaire (the tool login went
    to the vault), and the agency keeps two more of its logins there."""
    questionnaire = create_questionnaire(
        owner, {"name": "New client intake", "questions": INTAKE_QUESTIONS}
    )
    request, _new = send_questionnaire(owner, client, questionnaire.id)
    keys = [q["key"] for q in questionnaire.latest.questions]
    start = (utcnow() + dt.timedelta(days=7)).date().isoformat()
    values = dict(
        zip(
            keys,
            [
                "Lena Vogel, operations lead",
                ["Email", "Slack"],
                start,
                "https://drive.example.com/atlas-logistics",
                {
                    "tool": "Xero",
                    "url": "https://login.xero.com",
                    "username": "ops@atlaslogistics.example",
                    "password": "demo-Xero-2026!",
                },
                "Claims over 500 EUR need Lena's approval before we answer the carrier.",
            ],
            strict=True,
        )
    )
    contact_actor = Actor(user=contact.user, agency=agency, membership=contact, via="demo")
    submit_answers(contact_actor, request, values, {}, max_bytes=5 * 1024 * 1024)
    for name, url, username, secret in (
        ("Google Workspace admin", "https://admin.google.com", "admin@atlaslogistics.example",
         "demo-Workspace-7731"),
        ("Carrier claims portal", "https://claims.example.com", "atlas-claims",
         "demo-Claims-5520"),
    ):  # fmt: skip
        create_vault_entry(
            owner,
            client,
            {"name": name, "url": url, "username": username, "secret": secret, "notes": None},
        )


def seed_demo_relationship(
    agency: Agency,
    clients: list[Client],
    owner: Actor,
    portal_contact: Membership,
    onboarding_contact: Membership,
) -> None:
    _promises(agency, clients[0], portal_contact, owner)
    _last_weeks_digests(agency, clients)
    _surveys(agency, clients)
    onboarding = next(c for c in clients if c.status == "onboarding")
    _intake(agency, onboarding, onboarding_contact, owner)
    _notice_choices(agency)


def _notice_choices(agency: Agency) -> None:
    """The manager reads overdue work and clients' messages in one morning summary and has
    switched retainer-hour alerts off; a VA gets timesheet reminders in the summary too."""
    from app.demo_work import demo_actor

    save_preferences(
        demo_actor(agency, "jonas@northwind.example"),
        {"overdue_work": "daily", "client_messages": "daily", "hour_bank": "off"},
    )
    save_preferences(
        demo_actor(agency, "priya@northwind.example"), {"timesheet_reminders": "daily"}
    )
