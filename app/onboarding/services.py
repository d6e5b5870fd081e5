"""Write side of onboarding: start a client's run when it becomes `onboarding` and take its
steps (the SOP work item, portal invitations, the welcome packet job, registered steps).

Exactly once per engagement: a run is keyed (client, engagement). The engagement stays the
same until the client ends (`ended_at` on its run); the next time it becomes `onboarding`
is engagement + 1. Two requests that change the client at once both try to insert the same
key; the unique constraint lets one commit and the other finds the winner's run and takes
no step. Services flush, never commit; side effects go through the outbox.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record
from app.clients.models import Assignment, Client, ServicePackage
from app.clients.queries import agency_today, current_assignment_filter
from app.core.clock import utcnow
from app.core.errors import DomainError, ValidationFailed
from app.core.jobs import enqueue_job
from app.core.permissions import Actor
from app.extensions import db
from app.onboarding.models import OnboardingRun, OnboardingStep
from app.onboarding.steps import EXTRA_STEPS, StepOutcome
from app.sops.models import Sop, SopVersion
from app.users import team_services
from app.users.models import Membership
from app.work import services as work_services
from app.work.policy import REVIEWER_ROLES

DEFAULT_SOP_SLUG = "client-onboarding"
RENDER_JOB = "app.onboarding.packet.render_packet"


# --- the trigger -------------------------------------------------------------------------------


def on_status_changed(actor: Actor, client: Client, old_status: str | None) -> None:
    """The clients hook: `onboarding` starts a run, `ended` closes the engagement."""
    if client.status == "onboarding" and old_status != "onboarding":
        start_onboarding(actor, client)
    elif client.status == "ended":
        latest = latest_run(client.id)
        if latest is not None and latest.ended_at is None:
            latest.ended_at = utcnow()
            db.session.flush()


def latest_run(client_id: int) -> OnboardingRun | None:
    return db.session.scalar(
        sa.select(OnboardingRun)
        .where(OnboardingRun.client_id == client_id)
        .order_by(OnboardingRun.engagement.desc())
        .limit(1)
    )


def start_onboarding(actor: Actor, client: Client) -> OnboardingRun:
    """The run of the client's current engagement: made (with its steps) the first time,
    found afterwards."""
    latest = latest_run(client.id)
    if latest is not None and latest.ended_at is None:
        return latest  # this engagement has its run (paused and back, or a second click)
    engagement = latest.engagement + 1 if latest else 1
    try:
        with db.session.begin_nested():
            run = OnboardingRun(
                client_id=client.id,
                engagement=engagement,
                started_at=utcnow(),
                started_by_id=actor.user_id,
            )
            db.session.add(run)
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another request made this engagement's run first (it waited for that commit).
        winner = db.session.scalar(
            sa.select(OnboardingRun).where(
                OnboardingRun.client_id == client.id, OnboardingRun.engagement == engagement
            )
        )
        if winner is None:
            raise
        return winner
    _take_steps(actor, client, run)
    record(
        actor,
        "onboarding.started",
        client,
        summary=f"Onboarding of {client.name} started (engagement {engagement})",
        after={"run_id": run.id, "engagement": engagement},
    )
    return run


def _take_steps(actor: Actor, client: Client, run: OnboardingRun) -> None:
    position = 0

    def save(key: str, outcome: StepOutcome) -> None:
        nonlocal position
        position += 1
        db.session.add(
            OnboardingStep(
                run_id=run.id,
                key=key,
                position=position,
                state=outcome.state,
                detail=outcome.detail,
                updated_at=utcnow(),
            )
        )

    save("work_item", start_work_item(actor, client, run))
    save("invitations", invite_contacts(actor, client))
    save("welcome_packet", StepOutcome("pending", {"reason": "rendering"}))
    for extra in EXTRA_STEPS:
        save(extra.key, extra.run(actor, client, run))
    db.session.flush()
    enqueue_packet(run, email=True)


# --- the SOP work item -------------------------------------------------------------------------


def onboarding_sop_version(client: Client) -> SopVersion | None:
    """The package's onboarding SOP, else the agency's `client-onboarding`, else None (an
    archived SOP or one without a version does not count)."""
    sop_id = None
    if client.service_package_id is not None:
        sop_id = db.session.scalar(
            sa.select(ServicePackage.onboarding_sop_id).where(
                ServicePackage.id == client.service_package_id
            )
        )
    query = sa.select(Sop).where(Sop.archived_at.is_(None), Sop.current_version_id.is_not(None))
    sop = None
    if sop_id is not None:
        sop = db.session.scalar(query.where(Sop.id == sop_id))
    if sop is None:
        sop = db.session.scalar(query.where(Sop.slug == DEFAULT_SOP_SLUG))
    if sop is None:
        return None
    return db.session.get(SopVersion, sop.current_version_id)


def primary_va(actor: Actor, client: Client) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership)
        .join(Assignment, Assignment.membership_id == Membership.id)
        .where(
            Assignment.client_id == client.id,
            Assignment.kind == "primary",
            current_assignment_filter(agency_today(actor)),
            Membership.status == "active",
        )
        .limit(1)
    )


def _reviewer(actor: Actor, assignee_id: int) -> Membership | None:
    """Whoever started the onboarding reviews it when they may; else the first active QA
    reviewer, manager or owner (in that order) who is not the assignee."""
    mine = actor.membership
    if mine is not None and mine.role in REVIEWER_ROLES and mine.id != assignee_id:
        return mine
    order = sa.case({"qa": 0, "manager": 1, "owner": 2}, value=Membership.role)
    return db.session.scalar(
        sa.select(Membership)
        .where(
            Membership.role.in_(REVIEWER_ROLES),
            Membership.status == "active",
            Membership.id != assignee_id,
        )
        .order_by(order, Membership.id)
        .limit(1)
    )


def start_work_item(actor: Actor, client: Client, run: OnboardingRun) -> StepOutcome:
    version = onboarding_sop_version(client)
    if version is None:
        return StepOutcome("skipped", {"reason": "no_sop"})
    assignee = primary_va(actor, client)
    if assignee is None:
        return StepOutcome("skipped", {"reason": "no_primary_va", "sop": version.sop.title})
    reviewer = _reviewer(actor, assignee.id)
    if reviewer is None:
        return StepOutcome("skipped", {"reason": "no_reviewer", "sop": version.sop.title})
    try:
        with db.session.begin_nested():
            item = work_services.create_work_item(
                actor,
                client,
                {
                    "title": version.sop.title,
                    "sop_version_id": version.id,
                    "assignee_id": assignee.id,
                    "reviewer_id": reviewer.id,
                },
            )
    except (ValidationFailed, DomainError) as exc:
        return StepOutcome("failed", {"reason": "refused", "message": str(exc)})
    run.work_item_id = item.id
    return StepOutcome("done", {"work_item_id": item.id, "sop": version.sop.title})


# --- portal invitations ------------------------------------------------------------------------


def invitation_link(raw: str) -> str:
    """The absolute accept link (built without a request: the hook may run from a job)."""
    adapter = current_app.url_map.bind("baton.invalid")
    path = adapter.build("users.accept_invitation", {"token": raw})
    return current_app.config["BASE_URL"].rstrip("/") + path


def invite_contacts(actor: Actor, client: Client) -> StepOutcome:
    """Invite each contact with an email and no portal login, once per run."""
    invited: list[int] = []
    refused: list[int] = []
    for contact in client.contacts:
        if not contact.email or contact.membership_id is not None:
            continue
        try:
            with db.session.begin_nested():
                team_services.invite_member(
                    actor,
                    {"email": contact.email, "role": "client", "client_id": client.id},
                    link=invitation_link,
                )
            invited.append(contact.id)
        except (ValidationFailed, DomainError):
            refused.append(contact.id)  # e.g. the address belongs to a team member
    if not invited and not refused:
        return StepOutcome("skipped", {"reason": "no_contacts"})
    state = "done" if invited else "failed"
    return StepOutcome(state, {"invited": len(invited), "refused": len(refused)})


# --- the welcome packet ------------------------------------------------------------------------


def enqueue_packet(run: OnboardingRun, *, email: bool) -> None:
    """Render the packet on the pdf queue; the first render of a run also emails it (one
    job per run: the dedupe key; the emails have their own keys)."""
    enqueue_job(
        db.session,
        RENDER_JOB,
        label=f"Welcome packet of onboarding {run.id}",
        queue="pdf",
        agency_id=run.agency_id,
        dedupe_key=f"onboarding-packet:{run.id}" if email else None,
        run_id=run.id,
        email=email,
    )


def regenerate_packet(actor: Actor, run: OnboardingRun) -> OnboardingRun:
    """Render the packet again (branding or team changed); nobody is emailed again."""
    enqueue_packet(run, email=False)
    record(
        actor,
        "onboarding.packet_regenerated",
        run,
        summary=f"Welcome packet of onboarding {run.id} rendered again",
    )
    return run


def set_step(run_id: int, key: str, state: str, detail: dict[str, Any]) -> None:
    step = db.session.scalar(
        sa.select(OnboardingStep).where(OnboardingStep.run_id == run_id, OnboardingStep.key == key)
    )
    if step is not None:
        step.state, step.detail, step.updated_at = state, detail, utcnow()
        db.session.flush()
