"""A complete agency for the route walkers, and helpers to find, fill and call every route.

`build_agency()` makes an agency with one of every kind of object a URL can name (clients,
contacts, assignments, a package, an invitation, an API token, an audit event, a login
session) and a member of every role. Only ids and plain values are kept, so the worlds
stay usable while each request runs with an empty identity map, as it does in production.

`ID_PARAMS` maps every integer URL parameter to the object of that kind; the walkers fail on
any parameter missing from it, so a new route cannot slip past them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from flask import g

from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.jobs import OutboxJob
from app.core.mail import OutboundEmail
from app.core.permissions import declared_access
from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants
from app.exports.models import Export
from app.extensions import db
from app.users.models import ApiToken, Invitation, PasswordReset, SignupRequest, UserSession
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    ServicePackageFactory,
)
from tests.helpers import api_token

ROLES = ("owner", "manager", "va", "qa", "client")

# URL parameter -> the World attribute holding the id of that kind of object. Every
# object is visible to every role of its agency that may see such objects at all (the
# client is the VA's assigned client and the client contact's own client).
ID_PARAMS: dict[str, str] = {
    "client_id": "client_id",
    "contact_id": "contact_id",
    "assignment_id": "assignment_id",
    "member_id": "va_member_id",
    "membership_id": "va_member_id",
    "invitation_id": "invitation_id",
    "package_id": "package_id",
    "service_package_id": "package_id",
    "event_id": "event_id",
    "token_id": "owner_token_id",
    "session_id": "owner_session_id",
    "job_id": "job_id",
    "export_id": "export_id",
    "sop_id": "sop_id",
    "version_id": "sop_version_id",
    "work_item_id": "work_item_id",
    "checklist_item_id": "checklist_item_id",
    "evidence_id": "evidence_id",
    "invoice_id": "invoice_id",
    "payment_id": "payment_id",
    "line_id": "invoice_line_id",
    "tax_rate_id": "tax_rate_id",
    "retainer_id": "retainer_id",
    "step_id": "reminder_step_id",
    "document_id": "invoice_document_id",
    "batch_id": "invoice_batch_id",
    "request_id": "work_request_id",
    "email_id": "sent_email_id",
    "entry_id": "time_entry_id",
    "activity_id": "activity_id",
    "rate_id": "bill_rate_id",
    "cost_rate_id": "cost_rate_id",
    "timesheet_id": "timesheet_id",
    "time_off_id": "time_off_id",
    "slot_id": "meeting_slot_id",
    "fx_rate_id": "fx_rate_id",
    "statement_id": "payout_statement_id",
    "block_id": "time_block_id",
    "digest_id": "digest_id",
    "entry_uid": "vault_entry_uid",
    "file_id": "request_file_id",
    "survey_id": "survey_id",
    "questionnaire_id": "questionnaire_id",
    "intake_request_id": "intake_request_id",
    "series_id": "series_id",
    "webhook_id": "webhook_id",
    "webhook_delivery_id": "webhook_delivery_id",
}
# Parameters that name no database row by integer id.
NON_ID_PARAMS = {"agency_slug", "token", "filename"}

UNKNOWN_PARAM_HELP = (
    "URL parameter {param!r} of {where} is not in tests/objects.py ID_PARAMS. Add it there "
    "(and create an object of that kind in build_agency()) so the tenancy and role walkers "
    "can cover this route."
)

PARAM_RE = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")
OPENAPI_PARAM_RE = re.compile(r"\{([^{}]+)\}")


@dataclass
class World:
    """One agency and the ids of one object of every kind in it."""

    agency_id: int
    slug: str
    name: str
    members: dict[str, int]  # role -> membership id
    users: dict[str, int]  # role -> user id
    client_id: int
    client_name: str
    other_client_id: int
    other_client_name: str
    contact_id: int
    other_contact_id: int
    assignment_id: int
    package_id: int
    invitation_id: int
    invitation_token: str
    owner_token_id: int
    owner_token: str
    event_id: int
    owner_session_id: int
    reset_token: str
    signup_token: str
    job_id: int
    export_id: int
    sop_id: int
    sop_version_id: int
    work_item_id: int
    checklist_item_id: int
    evidence_id: int
    invoice_id: int
    invoice_line_id: int
    payment_id: int
    tax_rate_id: int
    retainer_id: int
    reminder_step_id: int
    invoice_document_id: int
    invoice_batch_id: int
    work_request_id: int
    request_file_id: int
    sent_email_id: int
    time_entry_id: int
    activity_id: int
    bill_rate_id: int
    cost_rate_id: int
    fx_rate_id: int
    timesheet_id: int
    time_off_id: int
    meeting_slot_id: int
    payout_statement_id: int
    time_block_id: int
    vault_entry_uid: str
    survey_id: int
    questionnaire_id: int
    intake_request_id: int
    tokens: dict[str, str] = field(default_factory=dict)  # role -> raw API token
    calendar_feed_token: str = ""  # the owner's secret iCalendar feed token (raw)
    digest_id: int = 0  # a weekly digest sent to the walker client
    survey_token: str = ""  # the walker survey's answer link token (raw)
    series_id: int = 0  # a weekly series on the walker client (its item: the work item)
    webhook_id: int = 0  # an outgoing webhook endpoint of the agency
    webhook_delivery_id: int = 0  # a (succeeded) delivery to that endpoint

    @property
    def va_member_id(self) -> int:
        return self.members["va"]

    @property
    def qa_member_id(self) -> int:
        return self.members["qa"]

    def ids(self) -> dict[str, int]:
        return {param: getattr(self, attr) for param, attr in ID_PARAMS.items()}

    def token(self, role: str) -> str:
        return self.tokens[role]


def build_agency(label: str) -> World:
    """An agency with a member of every role and one object of every kind."""
    agency = AgencyFactory(name=f"{label} Agency")
    members = {role: MembershipFactory(agency=agency, role=role) for role in STAFF_ORDER}
    package = ServicePackageFactory(agency=agency, name=f"{label} Retainer Package")
    client = ClientFactory(
        agency=agency, name=f"{label} Assigned Client", service_package_id=package.id
    )
    other = ClientFactory(agency=agency, name=f"{label} Unassigned Client")
    client_login = MembershipFactory(agency=agency, role="client", client_id=client.id)
    members["client"] = client_login
    contact = ContactFactory(
        client=client,
        name=f"{label} Contact Person",
        email=client_login.user.email,
        membership_id=client_login.id,
    )
    other_contact = ContactFactory(client=other, name=f"{label} Other Contact")
    assignment = AssignmentFactory(client=client, membership=members["va"])
    invitation_token = new_token()
    reset_token = new_token()
    owner = members["owner"]
    with all_tenants():
        invitation = Invitation(
            agency_id=agency.id,
            email=f"invitee-{agency.slug}@example.test",
            role="va",
            token_hash=token_hash(invitation_token),
            invited_by_id=owner.user_id,
            expires_at=utcnow() + dt.timedelta(days=7),
        )
        event = AuditEvent(
            agency_id=agency.id,
            actor_user_id=owner.user_id,
            actor_label=f"{owner.user.name} <{owner.user.email}>",
            action="client.created",
            entity_type="clients",
            entity_id=client.id,
            summary=f"Client {client.name} created",
            after={"name": client.name},
        )
        owner_session = UserSession(
            user_id=owner.user_id, token_hash=token_hash(new_token()), ip="192.0.2.1"
        )
        reset = PasswordReset(
            user_id=owner.user_id,
            token_hash=token_hash(reset_token),
            expires_at=utcnow() + dt.timedelta(hours=1),
        )
        signup_token = new_token()
        db.session.add(
            SignupRequest(
                email=f"founder-{agency.slug}@example.test",
                name=f"{label} Founder",
                agency_name=f"{label} New Agency",
                time_zone="UTC",
                token_hash=token_hash(signup_token),
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        job = OutboxJob(
            agency_id=agency.id,
            func="app.exports.jobs.build_clients_csv",
            kwargs={},
            label=f"{label} clients export",
            status="failed",
            attempts=5,
            last_error="RuntimeError: walker",
        )
        sent_email = OutboundEmail(
            agency_id=agency.id,
            idempotency_key=f"walker:{agency.slug}",
            to_addr=f"invitee-{agency.slug}@example.test",
            subject=f"{label} invitation",
            text_body="Accept here: https://baton.example.test/invite/walker",
            status="sent",
        )
        db.session.add_all([invitation, event, owner_session, reset, job, sent_email])
        db.session.flush()
        export = Export(
            agency_id=agency.id,
            kind="clients_csv",
            requested_by_id=owner.user_id,
            job_id=job.id,
            status="ready",
            filename=f"{label.lower()}-clients.csv",
            content="name\nWalker\n",
            row_count=1,
        )
        db.session.add(export)
        db.session.flush()
        sop, sop_version = _walker_sop(agency.id, label, owner.user_id)
        work = _walker_work_item(agency.id, client.id, sop_version, members, label)
        work["work_request_id"] = _walker_work_request(agency.id, client.id, client_login.id, label)
        work["request_file_id"] = _walker_request_file(agency.id, work["work_request_id"])
        time_ids = _walker_time(agency.id, client.id, work["work_item_id"], members, label)
        time_ids.update(_walker_rates(agency.id, client.id, members))
        time_ids["timesheet_id"] = _walker_timesheet(agency.id, members)
        time_ids.update(_walker_capacity(agency.id, client.id, members))
        time_ids["payout_statement_id"] = _walker_payout_statement(agency.id, client.id, members)
        time_ids["time_block_id"] = _walker_time_block(agency.id, work["work_item_id"], members)
        time_ids["digest_id"] = _walker_digest(agency.id, client.id)
        time_ids["survey_id"], survey_token = _walker_survey(
            agency.id, client.id, work["work_item_id"]
        )
        time_ids.update(_walker_intake(agency.id, client.id, members))
        time_ids["series_id"] = _walker_series(agency.id, client.id, sop.id, work, members)
    money = _walker_invoices(agency.id, client.id, owner.user_id, label)
    vault_entry_uid = _walker_vault_entry(agency.id, client.id, label)
    money["reminder_step_id"] = _walker_reminder_step(agency.id, label)
    money.update(_walker_pdfs(agency.id, money["invoice_id"], owner.id, label))
    money.update(_walker_webhook(agency.id, client.id, owner.user_id))
    tokens = {role: api_token(m, name=f"{role} token") for role, m in members.items()}
    calendar_feed_token = _walker_calendar_feed(agency.id, members["owner"].id)
    with all_tenants():
        owner_token_id = db.session.scalar(
            sa.select(ApiToken.id).where(ApiToken.token_hash == token_hash(tokens["owner"]))
        )
    world = World(
        agency_id=agency.id,
        slug=agency.slug,
        name=agency.name,
        members={role: m.id for role, m in members.items()},
        users={role: m.user_id for role, m in members.items()},
        client_id=client.id,
        client_name=client.name,
        other_client_id=other.id,
        other_client_name=other.name,
        contact_id=contact.id,
        other_contact_id=other_contact.id,
        assignment_id=assignment.id,
        package_id=package.id,
        invitation_id=invitation.id,
        invitation_token=invitation_token,
        owner_token_id=owner_token_id,
        owner_token=tokens["owner"],
        event_id=event.id,
        owner_session_id=owner_session.id,
        reset_token=reset_token,
        signup_token=signup_token,
        job_id=job.id,
        export_id=export.id,
        sop_id=sop.id,
        sop_version_id=sop_version.id,
        work_item_id=work["work_item_id"],
        checklist_item_id=work["checklist_item_id"],
        evidence_id=work["evidence_id"],
        work_request_id=work["work_request_id"],
        request_file_id=work["request_file_id"],
        sent_email_id=sent_email.id,
        **time_ids,
        **money,
        vault_entry_uid=vault_entry_uid,
        tokens=tokens,
        calendar_feed_token=calendar_feed_token,
        survey_token=survey_token,
    )
    with all_tenants():
        # Commit (into the test's outer transaction, still rolled back at the end), so a
        # view that rolls back its own failed work does not roll back the world too.
        db.session.commit()
    return world


STAFF_ORDER = ("owner", "manager", "va", "qa")


def _walker_vault_entry(agency_id: int, client_id: int, label: str) -> str:
    """A stored login of the assigned client; its uid names it in URLs."""
    from app.core.tenancy import tenant
    from app.vault.models import VaultEntry
    from app.vault.services import store_secret

    with tenant(agency_id):
        entry = VaultEntry(agency_id=agency_id, client_id=client_id, name=f"{label} Bank portal")
        store_secret(entry, f"walker-secret-{label}")
        db.session.add(entry)
        db.session.flush()
        return entry.uid


def _walker_time(agency_id: int, client_id: int, work_item_id: int, members: dict, label: str):
    """An hour the VA recorded yesterday on the walker work item, with an activity."""
    from app.time.models import Activity, TimeEntry

    activity = db.session.scalar(
        sa.select(Activity).where(Activity.agency_id == agency_id).order_by(Activity.id)
    )
    ended = utcnow() - dt.timedelta(days=1)
    entry = TimeEntry(
        agency_id=agency_id,
        membership_id=members["va"].id,
        client_id=client_id,
        work_item_id=work_item_id,
        activity_id=activity.id,
        billable=True,
        notes=f"{label} walker time",
        entry_date=ended.date(),
        started_at=ended - dt.timedelta(hours=1),
        ended_at=ended,
        duration_seconds=3600,
        zone="UTC",
    )
    db.session.add(entry)
    db.session.flush()
    return {"time_entry_id": entry.id, "activity_id": activity.id}


def _walker_survey(agency_id: int, client_id: int, work_item_id: int) -> tuple[int, str]:
    """An unanswered CSAT survey of the walker client (the client contact may answer it);
    returns its id and the raw token of its answer link."""
    from app.surveys.models import Survey

    now = utcnow()
    raw = new_token("srv_")
    survey = Survey(
        agency_id=agency_id,
        kind="csat",
        client_id=client_id,
        work_item_id=work_item_id,
        recipients=["walker@example.test"],
        recipient_source="contacts",
        token_hash=token_hash(raw),
        sent_at=now,
        expires_at=now + dt.timedelta(days=30),
    )
    db.session.add(survey)
    db.session.flush()
    return survey.id, raw


def _walker_series(agency_id: int, client_id: int, sop_id: int, work: dict, members: dict) -> int:
    """A weekly series whose first item is the walker work item."""
    from app.work.models import WorkItem, WorkSeries

    made = WorkSeries(
        agency_id=agency_id,
        client_id=client_id,
        sop_id=sop_id,
        title_pattern="Walker weekly {week}",
        cadence="weekly",
        assignee_id=members["va"].id,
        reviewer_id=members["owner"].id,
        next_due_at=utcnow() + dt.timedelta(days=9),
        status="active",
        created_by_id=members["owner"].user_id,
    )
    db.session.add(made)
    db.session.flush()
    item = db.session.get(WorkItem, work["work_item_id"])
    item.series_id, item.sequence = made.id, 1
    db.session.flush()
    return made.id


def _walker_calendar_feed(agency_id: int, owner_member_id: int) -> str:
    """The owner's live iCalendar feed; returns its raw token."""
    from app.calendar.models import CalendarFeed

    raw = new_token("cal_")
    with all_tenants():
        db.session.add(
            CalendarFeed(
                agency_id=agency_id, membership_id=owner_member_id, token_hash=token_hash(raw)
            )
        )
        db.session.flush()
    return raw


def _walker_timesheet(agency_id: int, members: dict) -> int:
    """The VA's week of three weeks ago, submitted and waiting for approval (no time in it,
    so the walker's time entry stays open)."""
    from app.timesheets.models import Timesheet

    day = utcnow().date() - dt.timedelta(days=21)
    sheet = Timesheet(
        agency_id=agency_id,
        membership_id=members["va"].id,
        week_start=day - dt.timedelta(days=day.weekday()),
        state="submitted",
        submitted_at=utcnow(),
    )
    db.session.add(sheet)
    db.session.flush()
    return sheet.id


def _walker_digest(agency_id: int, client_id: int) -> int:
    """Last week's digest of the walker client."""
    from app.agencies.models import Agency
    from app.clients.models import Client
    from app.digests.figures import build_snapshot
    from app.digests.models import ClientDigest

    snapshot = build_snapshot(
        db.session.get(Client, client_id), db.session.get(Agency, agency_id), utcnow()
    )
    day = utcnow().date() - dt.timedelta(days=7)
    digest = ClientDigest(
        agency_id=agency_id,
        client_id=client_id,
        week_start=day - dt.timedelta(days=day.weekday()),
        sent_at=utcnow(),
        locale="en",
        recipients=["walker@client.test"],
        snapshot=snapshot,
    )
    db.session.add(digest)
    db.session.flush()
    return digest.id


def _walker_intake(agency_id: int, client_id: int, members: dict) -> dict:
    """A questionnaire with a question of every kind, sent to the walker client, answered
    once by its contact (no file or login in the answers: nothing to store or seal)."""
    from app.intake.models import (
        QUESTION_KINDS,
        IntakeAnswer,
        IntakeRequest,
        Questionnaire,
        QuestionnaireVersion,
    )

    questions = [
        {
            "key": f"q{n}",
            "label": f"Walker {kind}",
            "help": None,
            "kind": kind,
            "required": kind == "text",
            "options": ["Red", "Blue"] if kind.endswith("_choice") else [],
        }
        for n, kind in enumerate(QUESTION_KINDS, start=1)
    ]
    questionnaire = Questionnaire(agency_id=agency_id, name="Walker onboarding")
    db.session.add(questionnaire)
    db.session.flush()
    version = QuestionnaireVersion(
        agency_id=agency_id, questionnaire_id=questionnaire.id, number=1, questions=questions
    )
    db.session.add(version)
    db.session.flush()
    request = IntakeRequest(
        agency_id=agency_id,
        client_id=client_id,
        questionnaire_id=questionnaire.id,
        version_id=version.id,
    )
    db.session.add(request)
    db.session.flush()
    db.session.add(
        IntakeAnswer(
            agency_id=agency_id,
            request_id=request.id,
            number=1,
            answers={"q1": "Walker answer", "q3": "Red", "q5": "2026-01-05"},
            submitted_by_id=members["client"].user_id,
        )
    )
    db.session.flush()
    return {"questionnaire_id": questionnaire.id, "intake_request_id": request.id}


def _walker_capacity(agency_id: int, client_id: int, members: dict) -> dict:
    """The VA's pending request for a day off next month, and a weekly meeting slot of the
    walker client with the VA."""
    from app.capacity.models import MeetingSlot, TimeOff

    day = utcnow().date() + dt.timedelta(days=30)
    off = TimeOff(
        agency_id=agency_id,
        membership_id=members["va"].id,
        starts_on=day,
        ends_on=day,
        kind="vacation",
        state="pending",
        requested_by_id=members["va"].user_id,
    )
    slot = MeetingSlot(
        agency_id=agency_id,
        client_id=client_id,
        membership_id=members["va"].id,
        weekday=1,
        start_minute=600,
        duration_minutes=30,
        active=True,
    )
    db.session.add_all([off, slot])
    db.session.flush()
    return {"time_off_id": off.id, "meeting_slot_id": slot.id}


def _walker_time_block(agency_id: int, work_item_id: int, members: dict) -> int:
    """The VA's hour planned on the walker work item tomorrow morning."""
    from app.planner.models import TimeBlock

    start = (utcnow() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    block = TimeBlock(
        agency_id=agency_id,
        membership_id=members["va"].id,
        work_item_id=work_item_id,
        starts_at=start,
        minutes=60,
    )
    db.session.add(block)
    db.session.flush()
    return block.id


def _walker_payout_statement(agency_id: int, client_id: int, members: dict) -> int:
    """The VA's reviewed payout statement of two months ago (one hour at 15.00 USD), so the
    VA reads it and owners handle it; not paid, so it can still be changed."""
    from app.payouts.models import PayoutLine, PayoutStatement

    start = (utcnow().date().replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    statement = PayoutStatement(
        agency_id=agency_id,
        membership_id=members["va"].id,
        period_start=start,
        period_end=end,
        currency="USD",
        state="reviewed",
        lines_minor=1500,
        adjustments_minor=0,
        total_minor=1500,
        unpriced_seconds=0,
        reviewed_at=utcnow(),
    )
    statement.lines.append(
        PayoutLine(
            agency_id=agency_id,
            membership_id=members["va"].id,
            source_start=start,
            source_end=end,
            client_id=client_id,
            month=start,
            kind="time",
            rate_minor=1500,
            currency="USD",
            seconds=3600,
            items=0,
            amount_minor=1500,
        )
    )
    db.session.add(statement)
    db.session.flush()
    return statement.id


def _walker_rates(agency_id: int, client_id: int, members: dict) -> dict:
    """A dated bill rate of the walker client, a dated hourly cost of its VA and an
    exchange rate (EUR to the base currency)."""
    from app.fx.models import ExchangeRate
    from app.rates.models import BillRate, CostRate

    day = utcnow().date() - dt.timedelta(days=30)
    rate = BillRate(
        agency_id=agency_id,
        level="client",
        scope=f"client:{client_id}",
        client_id=client_id,
        rate_minor=5000,
        currency="USD",
        effective_from=day,
    )
    cost = CostRate(
        agency_id=agency_id,
        membership_id=members["va"].id,
        kind="hourly",
        scope="hourly",
        rate_minor=1500,
        currency="USD",
        effective_from=day,
    )
    fx = ExchangeRate(
        agency_id=agency_id, currency="EUR", rate=Decimal("1.0842"), effective_from=day
    )
    db.session.add_all([rate, cost, fx])
    db.session.flush()
    return {"bill_rate_id": rate.id, "cost_rate_id": cost.id, "fx_rate_id": fx.id}


WALKER_SOP_YAML = """\
slug: walker-{slug}
title: {label} walker SOP
version: "1"
description: An SOP of the route walkers.
roles: [va, qa]
client_approval: true
stages:
  - key: do
    title: Do the work
    due_offset_days: 1
    items:
      - {{key: link, text: Link the deliverable, evidence: link, estimate_minutes: 30}}
      - {{key: note, text: Note what was done, evidence: note, estimate_minutes: 5}}
rubric:
  - {{key: complete, text: Complete, kind: pass_fail}}
  - {{key: quality, text: Quality, kind: score, pass_mark: 3}}
"""


def _walker_sop(agency_id: int, label: str, user_id: int):
    """An SOP with one version (written directly, as set-up; the app uses app.sops.services)."""
    from app.sops.file_format import parse_sop
    from app.sops.models import Sop, SopVersion

    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "sop"
    parsed = parse_sop(WALKER_SOP_YAML.format(slug=slug, label=label))
    sop = Sop(agency_id=agency_id, slug=parsed.slug, title=parsed.title, source="app")
    db.session.add(sop)
    db.session.flush()
    version = SopVersion(
        agency_id=agency_id,
        sop_id=sop.id,
        number=1,
        content_hash=parsed.content_hash,
        definition=parsed.definition,
        yaml_text=parsed.yaml_text,
        created_by_id=user_id,
    )
    db.session.add(version)
    db.session.flush()
    sop.current_version = version
    db.session.flush()
    return sop, version


def _walker_work_item(agency_id: int, client_id: int, sop_version, members: dict, label: str):
    """A work item on the assigned client, approved by QA and awaiting the client (so every
    role sees it), done by the VA, reviewed by the owner (the most powerful role, which the
    walkers act as), with a link on a checklist item and an evidence file."""
    from app.core import storage
    from app.work.models import ChecklistState, EvidenceFile, WorkEvent, WorkItem

    now = utcnow()
    item = WorkItem(
        agency_id=agency_id,
        client_id=client_id,
        sop_version_id=sop_version.id,
        title=f"{label} walker work item",
        description="<p>Walker description</p>",
        assignee_id=members["va"].id,
        reviewer_id=members["owner"].id,
        state="awaiting_client",
        due_at=now + dt.timedelta(days=2),
        estimate_minutes=35,
        started_at=now,
        submitted_at=now,
        approved_at=now,
        created_by_id=members["owner"].user_id,
    )
    db.session.add(item)
    db.session.flush()
    checks = []
    position = 0
    for stage in sop_version.definition["stages"]:
        for entry in stage["items"]:
            position += 1
            checks.append(
                ChecklistState(
                    agency_id=agency_id,
                    work_item_id=item.id,
                    position=position,
                    stage_key=stage["key"],
                    item_key=entry["key"],
                    text=entry["text"],
                    required=entry.get("required", True),
                    evidence_kind=entry.get("evidence", "none"),
                    done=True,
                    done_at=now,
                    done_by_id=members["va"].user_id,
                    evidence_link="https://example.test/walker"
                    if entry.get("evidence") == "link"
                    else None,
                    evidence_note="<p>Walker note</p>" if entry.get("evidence") == "note" else None,
                )
            )
    db.session.add_all(checks)
    evidence = EvidenceFile(
        agency_id=agency_id,
        work_item_id=item.id,
        storage_key="pending",
        sha256="",
        filename="walker.txt",
        content_type="text/plain",
        size=12,
        uploaded_by_id=members["va"].user_id,
    )
    db.session.add(evidence)
    db.session.add(
        WorkEvent(
            agency_id=agency_id,
            work_item_id=item.id,
            actor_user_id=members["owner"].user_id,
            kind="comment",
            body="<p>Walker comment</p>",
        )
    )
    db.session.flush()
    stored = storage.put(
        storage.make_key("agency", agency_id, "work", item.id, "evidence", evidence.id),
        b"walker file\n",
    )
    evidence.storage_key, evidence.sha256 = stored.key, stored.sha256
    db.session.flush()
    return {
        "work_item_id": item.id,
        "checklist_item_id": checks[0].id,
        "evidence_id": evidence.id,
    }


def _walker_work_request(agency_id: int, client_id: int, membership_id: int, label: str) -> int:
    """An open work request the assigned client's contact asked for."""
    from app.portal.models import WorkRequest

    work_request = WorkRequest(
        agency_id=agency_id,
        client_id=client_id,
        requested_by_id=membership_id,
        title=f"{label} walker request",
        details="<p>Walker request details</p>",
        status="open",
    )
    db.session.add(work_request)
    db.session.flush()
    return work_request.id


def _walker_request_file(agency_id: int, work_request_id: int) -> int:
    """A file that came with the walker request's mail (app.inbound), and its thread."""
    from app.core import storage
    from app.inbound.models import RequestFile, RequestMessage

    message = RequestMessage(
        agency_id=agency_id,
        work_request_id=work_request_id,
        author_name="Walker contact",
        message_id=f"<walker-{work_request_id}@walker.test>",
        opens_request=True,
    )
    db.session.add(message)
    db.session.flush()
    stored = storage.put(
        storage.make_key("inbound", agency_id, "walker", work_request_id), b"walker file\n"
    )
    found = RequestFile(
        agency_id=agency_id,
        work_request_id=work_request_id,
        message_id=message.id,
        storage_key=stored.key,
        sha256=stored.sha256,
        filename="Walker notes.txt",
        content_type="text/plain",
        size=stored.size,
    )
    db.session.add(found)
    db.session.flush()
    return found.id


def _walker_invoices(agency_id: int, client_id: int, owner_user_id: int, label: str) -> dict:
    """Money objects of the assigned client: a tax rate, an issued and sent invoice with a
    line and a partial payment (a client contact sees both), a draft with a line (whose
    line pages only owners and managers open) and a monthly retainer plan."""
    from decimal import Decimal

    from app.invoices.models import Invoice, InvoiceLine, TaxRate
    from app.payments.models import Payment
    from app.retainers.models import RetainerPlan

    today = dt.date.today()
    with all_tenants():
        rate = TaxRate(agency_id=agency_id, name=f"{label} VAT", rate=Decimal("0.2"))
        issued = Invoice(
            agency_id=agency_id,
            client_id=client_id,
            kind="invoice",
            number="INV-2026-00001",
            status="partially_paid",
            currency="USD",
            locale="en",
            client_time_zone="America/New_York",
            rounding="per_line",
            issue_date=today,
            due_date=today + dt.timedelta(days=15),
            net_days=15,
            subtotal_minor=100000,
            tax_minor=0,
            total_minor=100000,
            paid_minor=25000,
            credited_minor=0,
            issued_at=utcnow(),
            sent_at=utcnow(),
            created_by_id=owner_user_id,
        )
        draft = Invoice(
            agency_id=agency_id,
            client_id=client_id,
            kind="invoice",
            status="draft",
            currency="USD",
            locale="en",
            client_time_zone="America/New_York",
            rounding="per_line",
            net_days=15,
            subtotal_minor=5000,
            tax_minor=0,
            total_minor=5000,
            paid_minor=0,
            credited_minor=0,
            created_by_id=owner_user_id,
        )
        db.session.add_all([rate, issued, draft])
        db.session.flush()
        lines = [
            InvoiceLine(
                agency_id=agency_id,
                invoice_id=inv.id,
                position=1,
                kind="manual",
                description=f"{label} {what}",
                quantity=Decimal(1),
                unit_price_minor=total,
                discount_percent=Decimal(0),
                tax_rate=Decimal(0),
                net_minor=total,
                tax_minor=0,
                gross_minor=total,
            )
            for inv, what, total in ((issued, "consulting", 100000), (draft, "setup", 5000))
        ]
        payment = Payment(
            agency_id=agency_id,
            invoice_id=issued.id,
            paid_on=today,
            method="bank_transfer",
            reference=f"{label} transfer",
            amount_minor=25000,
            created_by_id=owner_user_id,
        )
        plan = RetainerPlan(
            agency_id=agency_id,
            client_id=client_id,
            description=f"{label} retainer",
            monthly_amount_minor=50000,
            currency="USD",
        )
        db.session.add_all([*lines, payment, plan])
        db.session.flush()
    return {
        "invoice_id": issued.id,
        "invoice_line_id": lines[1].id,
        "payment_id": payment.id,
        "tax_rate_id": rate.id,
        "retainer_id": plan.id,
    }  # fmt: skip


def _walker_pdfs(agency_id: int, invoice_id: int, owner_membership_id: int, label: str) -> dict:
    """A stored, checksummed PDF version of the issued invoice (small bytes: the walkers
    download it, they don't render it) and a finished month-end batch (a batch is its job)."""
    from app.core import storage
    from app.documents.models import InvoiceDocument
    from app.invoices.batch import BATCH_JOB

    stored = storage.put(
        storage.make_key("agency", agency_id, "invoice", invoice_id, "v1.pdf"),
        f"%PDF-1.7\n% {label} walker\n%%EOF\n".encode(),
    )
    summary = {"month": "2026-11", "total": 1, "issued": 1, "skipped": 0, "failed": [],
               "issued_invoices": [{"invoice_id": invoice_id, "number": "INV-2026-00001",
                                    "client": f"{label} Assigned Client"}]}  # fmt: skip
    with all_tenants():
        document = InvoiceDocument(agency_id=agency_id, invoice_id=invoice_id, version=1,
                                   storage_key=stored.key, sha256=stored.sha256,
                                   size=stored.size)  # fmt: skip
        batch = OutboxJob(agency_id=agency_id, func=BATCH_JOB, queue="default",
                          label=f"{label} month batch", status="succeeded", attempts=1,
                          kwargs={"month": "2026-11", "invoice_ids": [invoice_id],
                                  "membership_id": owner_membership_id},
                          progress_done=1, progress_total=1, result=summary)  # fmt: skip
        db.session.add_all([document, batch])
        db.session.flush()
    return {"invoice_document_id": document.id, "invoice_batch_id": batch.id}


def _walker_reminder_step(agency_id: int, label: str) -> int:
    """One step of the agency's reminder ladder (so the ladder counts as installed)."""
    from app.reminders.models import ReminderStep

    with all_tenants():
        step = ReminderStep(
            agency_id=agency_id,
            offset_days=7,
            subject_template=f"{label}: invoice {{{{ invoice_number }}}} is overdue",
            body_template="Please pay {{ amount_due }}: {{ invoice_link }}",
            active=True,
        )
        db.session.add(step)
        db.session.flush()
    return step.id


def _walker_webhook(agency_id: int, client_id: int, owner_user_id: int) -> dict:
    """An endpoint (wanting one rare event, so walking other routes sends nothing) and one
    succeeded delivery to it."""
    from app.core.clock import utcnow
    from app.webhooks.models import WebhookDelivery, WebhookEndpoint

    with all_tenants():
        endpoint = WebhookEndpoint(
            agency_id=agency_id,
            url="https://hooks.example.invalid/baton",
            events=["survey.answered"],
            enabled=True,
            consecutive_failures=0,
            secret_ciphertext=b"not-a-real-ciphertext",
            secret_key_version=1,
            created_by_id=owner_user_id,
        )
        db.session.add(endpoint)
        db.session.flush()
        delivery = WebhookDelivery(
            agency_id=agency_id,
            endpoint_id=endpoint.id,
            message_id=f"msg_walker_{endpoint.id}",
            event_type="survey.answered",
            payload={"type": "survey.answered", "timestamp": utcnow().isoformat(), "data": {}},
            object_kind="survey",
            object_id=client_id,
            status="succeeded",
            attempts=1,
            response_code=200,
        )
        db.session.add(delivery)
        db.session.flush()
    return {"webhook_id": endpoint.id, "webhook_delivery_id": delivery.id}


# --- requests that start like a production request -------------------------------------


def fresh(client):
    """Wrap a test client so each request starts with an empty identity map and empty `g`.

    The test fixture keeps one app context (and one session) for the whole test; in
    production every request gets a new one. Without this, objects loaded by the test or
    an earlier request would be returned by `session.get` without the tenant filter.
    """
    return _FreshClient(client)


class _FreshClient:
    def __init__(self, client):
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def open(self, *args: Any, **kw: Any):
        _flush()
        db.session.expunge_all()
        g.__dict__.clear()
        return self._client.open(*args, **kw)

    def get(self, *a: Any, **kw: Any):
        return self.open(*a, method="GET", **kw)

    def post(self, *a: Any, **kw: Any):
        return self.open(*a, method="POST", **kw)

    def request(self, method: str, url: str, **kw: Any):
        return self.open(url, method=method, **kw)


def sign_in(client, user_id: int) -> None:
    """Give the test client a real server-side session of this person (no login form, so
    no rate limit and no password hashing per call)."""
    sid = new_token()
    with all_tenants():
        db.session.add(UserSession(user_id=user_id, token_hash=token_hash(sid), ip="127.0.0.1"))
        db.session.commit()  # survives a view's rollback (see build_agency)
    with client.session_transaction() as s:
        s.clear()
        s["sid"] = sid
        s["_user_id"] = str(user_id)
        s["_fresh"] = True


def signed_in_client(app, user_id: int):
    c = app.test_client()
    sign_in(c, user_id)
    return fresh(c)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- routes ----------------------------------------------------------------------------

SKIP_METHODS = {"HEAD", "OPTIONS"}


def rule_params(rule) -> list[str]:
    return [m.group(2) for m in PARAM_RE.finditer(rule.rule)]


def unknown_params(params, where: str) -> list[str]:
    return [
        UNKNOWN_PARAM_HELP.format(param=p, where=where)
        for p in params
        if p not in ID_PARAMS and p not in NON_ID_PARAMS
    ]


def fill(template: str, values: dict) -> str:
    """A Flask rule (`<int:client_id>`) or an OpenAPI path (`{client_id}`) with values."""
    out = PARAM_RE.sub(lambda m: str(values[m.group(2)]), template)
    return OPENAPI_PARAM_RE.sub(lambda m: str(values[m.group(1)]), out)


def methods(rule) -> list[str]:
    return sorted(rule.methods - SKIP_METHODS)


def is_api(rule_or_path) -> bool:
    path = getattr(rule_or_path, "rule", rule_or_path)
    return path.startswith("/api/")


def access(app, rule, method: str):
    return declared_access(app.view_functions[rule.endpoint], method)


def acting_role(app, rule, method: str) -> str:
    """The role that may call `method` on `rule`: the owner where owners may (an owner is
    never refused by a role check), otherwise the first role the declaration allows."""
    decl = access(app, rule, method)
    assert decl is not None, f"{method} {rule.rule} declares no access"
    kind, allowed = decl
    return next(r for r in ROLES if r in allowed) if kind == "roles" else "owner"


def our_rules(app):
    """Every rule of ours (not static files or the OpenAPI/Swagger endpoints)."""
    from app.users.auth import PUBLIC_ENDPOINTS

    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS]


def rule_for_path(app, path: str):
    """The url_map rule behind an OpenAPI path like /api/v1/{agency_slug}/clients/{client_id}."""
    for rule in app.url_map.iter_rules():
        if PARAM_RE.sub(lambda m: "{" + m.group(2) + "}", rule.rule) == path:
            return rule
    return None


def rule_id(rule, method: str) -> str:
    return f"{method} {rule.rule}"


@functools.cache
def route_app():
    """An app built only to read its url_map and OpenAPI document while collecting tests
    (it never opens a database connection)."""
    from app import create_app

    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}
    )


@functools.cache
def openapi_doc() -> dict:
    return route_app().test_client().get("/api/v1/openapi.json").get_json()


def openapi_operations() -> list[tuple[str, str, dict]]:
    """(path, METHOD, operation) for every operation of the OpenAPI document."""
    out = []
    for path, item in sorted(openapi_doc().get("paths", {}).items()):
        for method, op in sorted(item.items()):
            if method in ("get", "post", "put", "patch", "delete"):
                out.append((path, method.upper(), op))
    return out


def resolve(schema: dict, doc: dict | None = None) -> dict:
    doc = doc or openapi_doc()
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def request_body_schema(op: dict) -> dict | None:
    body = op.get("requestBody")
    if not body:
        return None
    content = body.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    if not media or "schema" not in media:
        return None
    return resolve(media["schema"])


def writable_properties(schema: dict) -> dict[str, dict]:
    return {
        name: resolve(prop)
        for name, prop in (schema.get("properties") or {}).items()
        if not resolve(prop).get("readOnly")
    }


# Body fields that hold ids: the object of the world they name.
BODY_ID_FIELDS: dict[str, str] = {
    **ID_PARAMS,
    "user_id": "va_user_id",
    "deposit_invoice_id": "invoice_id",
    "assignee_id": "va_member_id",
    "reviewer_id": "qa_member_id",
    "sop_version_id": "sop_version_id",
    "onboarding_sop_id": "sop_id",
}


def body_id_value(world: World, name: str) -> int | None:
    attr = BODY_ID_FIELDS.get(name)
    if attr is None:
        return None
    if attr == "va_user_id":
        return world.users["va"]
    return getattr(world, attr)


VALID_BY_FORMAT = {
    "email": "walker@example.test",
    "iana-time-zone": "Europe/Berlin",
    "iso-4217-currency": "EUR",
    "iso-3166-alpha-2": "DE",
    "locale": "de_DE",
    "date": None,  # filled at call time
    "date-time": None,
    "time": "09:00",
    "url": "https://example.test/",
    "uri": "https://example.test/",
}


def valid_value(name: str, prop: dict, world: World | None) -> Any:
    """A value the property's schema accepts (ids name the given world's objects)."""
    prop = resolve(prop)
    if "enum" in prop:
        return next(v for v in prop["enum"] if v is not None)
    typ = prop.get("type")
    if isinstance(typ, list):
        typ = next(t for t in typ if t != "null")
    fmt = prop.get("format")
    if typ == "integer":
        if name.endswith("_id") and world is not None:
            value = body_id_value(world, name)
            if value is not None:
                return value
        lo = prop.get("minimum", 1)
        hi = prop.get("maximum", lo + 10)
        return max(lo, min(hi, 1 if lo <= 1 <= hi else lo))
    if typ == "number":
        return prop.get("minimum", 1)
    if typ == "boolean":
        return True
    if typ == "array":
        n = prop.get("minItems", 0)
        return [valid_value(name, prop.get("items", {}), world) for _ in range(n)]
    if typ == "object":
        return {}
    if fmt == "date":
        return dt.date.today().isoformat()
    if fmt == "date-time":
        return utcnow().isoformat()
    if fmt in VALID_BY_FORMAT and VALID_BY_FORMAT[fmt]:
        return VALID_BY_FORMAT[fmt]
    guess = {
        "time_zone": "Europe/Berlin",
        "currency": "EUR",
        "country": "DE",
        "locale": "de_DE",
        "email": "walker@example.test",
    }
    for key, value in guess.items():
        if name == key or name.endswith("_" + key):
            return value
    candidates = ["Walker value", "123456", "1:30", "walker@example.test", "https://example.test/"]
    pattern = prop.get("pattern")
    if pattern:
        for cand in candidates:
            if re.fullmatch(pattern, cand):
                return cand
    text = "Walker value"
    lo, hi = prop.get("minLength", 0), prop.get("maxLength")
    if len(text) < lo:
        text = text.ljust(lo, "x")
    if hi is not None:
        text = text[:hi]
    return text


# Required by a rule across fields, not by the schema's list (a package's price: `price` or
# `price_minor`): a valid body names one of them.
EITHER_OR_REQUIRED = {"price_minor"}


def valid_body(schema: dict | None, world: World | None) -> dict:
    """A body with every required property (and every id property) set to a valid value."""
    if schema is None:
        return {}
    props = writable_properties(schema)
    required = set(schema.get("required") or ())
    return {
        name: valid_value(name, prop, world)
        for name, prop in props.items()
        if name in required
        or name in EITHER_OR_REQUIRED
        or (name.endswith("_id") and world is not None)
    }


# --- database snapshots ----------------------------------------------------------------

# Columns that record use, not content; reading a page may touch them.
VOLATILE_COLUMNS = {"last_seen_at", "last_used_at", "last_login_at", "updated_at"}


def _flush() -> None:
    """Write what earlier requests left in the session (e.g. a token's last use), which
    may belong to any agency."""
    with all_tenants():
        db.session.flush()


def _rows(table: sa.Table, where=None) -> list[tuple]:
    cols = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
    stmt = sa.select(*cols).order_by(*table.primary_key.columns)
    if where is not None:
        stmt = stmt.where(where)
    with all_tenants():
        return [tuple(map(repr, r)) for r in db.session.execute(stmt).all()]


def snapshot_all() -> dict[str, list[tuple]]:
    """Every row of every table (tests hold small databases)."""
    _flush()
    return {name: _rows(t) for name, t in sorted(db.metadata.tables.items())}


def snapshot_agency(world: World) -> dict[str, list[tuple]]:
    """Every row that belongs to the world's agency or to one of its people."""
    _flush()
    user_ids = list(world.users.values())
    out = {}
    for name, table in sorted(db.metadata.tables.items()):
        if name == "agencies":
            where = table.c.id == world.agency_id
        elif name == "users":
            where = table.c.id.in_(user_ids)
        elif "agency_id" in table.c:
            where = table.c.agency_id == world.agency_id
        elif "user_id" in table.c:
            where = table.c.user_id.in_(user_ids)
        else:
            continue
        out[name] = _rows(table, where)
    return out


def diff_snapshots(before: dict, after: dict) -> list[str]:
    out = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name, []), after.get(name, [])
        if b != a:
            gone = [r for r in b if r not in a]
            new = [r for r in a if r not in b]
            out.append(f"{name}: removed/changed {gone[:3]} added/changed-to {new[:3]}")
    return out


# --- HTML forms ------------------------------------------------------------------------


@dataclass
class Form:
    action: str | None
    method: str
    fields: dict[str, dict] = field(default_factory=dict)  # name -> attributes (+ 'tag')


class FormParser(HTMLParser):
    """The POST forms of a page, with their inputs, selects and textareas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action"), (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                a["value_if_checked"] = a.get("value", "on")
                a["value"] = None
            elif kind in ("checkbox", "radio"):
                a.setdefault("value", "on")
            if kind == "radio" and a["name"] in self._form.fields and a["value"] is None:
                return
            self._form.fields[a["name"]] = {"tag": "input", **a, "type": kind}
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", **a, "options": [], "value": None}
            self._form.fields[a["name"]] = self._select
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            if "selected" in a or self._select["value"] is None:
                self._select["value"] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"tag": "textarea", **a, "value": ""}
            self._form.fields[a["name"]] = self._textarea

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return [f for f in parser.forms if f.method == "post"]
