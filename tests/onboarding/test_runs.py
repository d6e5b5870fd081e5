"""A client becoming `onboarding` starts one run per engagement: the SOP work item (the
package's SOP, else the agency's `client-onboarding`), portal invitations once, the packet
job; ending and coming back makes a second run."""

from __future__ import annotations

import sqlalchemy as sa

from app.clients.services import create_client, update_client
from app.core.jobs import OutboxJob
from app.core.tenancy import tenant
from app.extensions import db
from app.onboarding.models import OnboardingRun, OnboardingStep
from app.sops.models import SopVersion
from app.users.models import Invitation
from app.work.models import WorkItem
from tests.onboarding.support import client_of, make_team, owner_actor


def _runs(client_id: int) -> list[OnboardingRun]:
    return list(
        db.session.scalars(
            sa.select(OnboardingRun)
            .where(OnboardingRun.client_id == client_id)
            .order_by(OnboardingRun.engagement)
        )
    )


def _steps(run: OnboardingRun) -> dict[str, OnboardingStep]:
    rows = db.session.scalars(sa.select(OnboardingStep).where(OnboardingStep.run_id == run.id))
    return {s.key: s for s in rows}


def _packet_jobs() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OutboxJob.id)).where(
            OutboxJob.func == "app.onboarding.packet.render_packet"
        )
    )


def test_status_change_starts_exactly_one_run_with_the_default_sop():
    team = make_team()
    with tenant(team.agency_id):
        actor, client = owner_actor(team), client_of(team)
        update_client(actor, client, {"status": "onboarding"})
        # Saved again, paused and back: still the same engagement, still one run.
        update_client(actor, client, {"status": "onboarding", "name": "Harbour and Co"})
        update_client(actor, client, {"status": "paused"})
        update_client(actor, client, {"status": "onboarding"})
        runs = _runs(client.id)
        assert len(runs) == 1
        steps = _steps(runs[0])
        assert [steps[k].state for k in ("work_item", "invitations", "welcome_packet")] == [
            "done",
            "done",
            "pending",
        ]
        items = db.session.scalars(sa.select(WorkItem).where(WorkItem.client_id == client.id))
        (item,) = list(items)
        assert item.sop_version_id == team.default_version_id
        assert item.assignee_id == team.va_id
        assert item.due_at is not None  # from the SOP's stage offsets
        assert runs[0].work_item_id == item.id
        assert _packet_jobs() == 1


def test_the_package_sop_wins_over_the_default():
    team = make_team()
    with tenant(team.agency_id):
        actor, client = owner_actor(team), client_of(team)
        version = db.session.get(SopVersion, team.package_version_id)
        client.service_package.onboarding_sop_id = version.sop_id
        db.session.flush()
        update_client(actor, client, {"status": "onboarding"})
        item = db.session.scalar(sa.select(WorkItem).where(WorkItem.client_id == client.id))
        assert item.sop_version_id == team.package_version_id


def test_without_any_sop_the_step_says_so_and_no_item_is_made():
    team = make_team(default_sop=False)
    with tenant(team.agency_id):
        actor, client = owner_actor(team), client_of(team)
        update_client(actor, client, {"status": "onboarding"})
        (run,) = _runs(client.id)
        step = _steps(run)["work_item"]
        assert (step.state, step.detail) == ("skipped", {"reason": "no_sop"})
        assert (
            db.session.scalar(sa.select(WorkItem.id).where(WorkItem.client_id == client.id)) is None
        )


def test_contacts_without_a_login_are_invited_once():
    team = make_team()
    with tenant(team.agency_id):
        actor, client = owner_actor(team), client_of(team)
        update_client(actor, client, {"status": "onboarding"})
        update_client(actor, client, {"status": "active"})
        update_client(actor, client, {"status": "onboarding"})
        invitations = db.session.scalars(sa.select(Invitation).order_by(Invitation.email)).all()
        assert [(i.email, i.role, i.client_id) for i in invitations] == [
            (email, "client", client.id) for email in team.contact_emails
        ]
        (run,) = _runs(client.id)
        assert _steps(run)["invitations"].detail == {"invited": 2, "refused": 0}


def test_a_client_created_onboarding_starts_its_run():
    team = make_team()
    with tenant(team.agency_id):
        actor = owner_actor(team)
        client = create_client(
            actor,
            {"name": "Atlas", "time_zone": "UTC", "currency": "USD", "status": "onboarding"},
        )
        (run,) = _runs(client.id)
        # No VA on a brand-new client: nobody to assign the SOP's work to.
        assert _steps(run)["work_item"].detail["reason"] == "no_primary_va"
        assert _steps(run)["invitations"].detail == {"reason": "no_contacts"}


def test_ending_and_coming_back_makes_a_second_run():
    team = make_team()
    with tenant(team.agency_id):
        actor, client = owner_actor(team), client_of(team)
        update_client(actor, client, {"status": "onboarding"})
        update_client(actor, client, {"status": "active"})
        update_client(actor, client, {"status": "ended"})
        update_client(actor, client, {"status": "onboarding"})
        runs = _runs(client.id)
        assert [r.engagement for r in runs] == [1, 2]
        assert runs[0].ended_at is not None and runs[1].ended_at is None
        assert _packet_jobs() == 2
        assert (
            db.session.scalar(
                sa.select(sa.func.count(WorkItem.id)).where(WorkItem.client_id == client.id)
            )
            == 2
        )
