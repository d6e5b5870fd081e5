"""The onboarding card on the client page, the packet download and regeneration, the API's
run and the package's onboarding SOP through the API (roles as the pages)."""

from __future__ import annotations

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.services import update_client
from app.core.jobs import OutboxJob
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.sops.models import SopVersion
from app.users.models import Membership
from tests.clients.support import api, web
from tests.onboarding.support import client_of, make_team, owner_actor


def _started():
    team = make_team()
    with tenant(team.agency_id):
        update_client(owner_actor(team), client_of(team), {"status": "onboarding"})
        db.session.commit()
    return team


def _member(membership_id: int) -> Membership:
    with all_tenants():
        member = db.session.get(Membership, membership_id)
        member.user  # noqa: B018 - loaded while every tenant is visible
        return member


def _packet_jobs() -> int:
    with all_tenants():
        return db.session.scalar(
            sa.select(sa.func.count(OutboxJob.id)).where(
                OutboxJob.func == "app.onboarding.packet.render_packet"
            )
        )


def test_the_card_shows_the_steps_and_managers_regenerate(app):
    team = _started()
    with all_tenants():
        slug = db.session.get(Agency, team.agency_id).slug
    owner = web(app, _member(team.owner_id))
    page = owner.get(f"/{slug}/clients/{team.client_id}").get_data(as_text=True)
    assert 'data-testid="onboarding-card"' in page
    assert "Work item started" in page and "Portal invitations sent" in page
    assert 'class="progress-bar" style="width: 67%"' in page  # 2 of 3 steps settled
    # Not rendered yet: the download says so and goes back to the client page.
    resp = owner.get(f"/{slug}/clients/{team.client_id}/onboarding/packet.pdf")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#onboarding")
    assert owner.post(f"/{slug}/clients/{team.client_id}/onboarding/packet").status_code == 302
    assert _packet_jobs() == 2
    va = web(app, _member(team.va_id))
    assert va.post(f"/{slug}/clients/{team.client_id}/onboarding/packet").status_code == 403
    assert _packet_jobs() == 2


def test_the_api_reads_the_run_and_the_package_names_its_sop(app):
    team = _started()
    owner = api(app, _member(team.owner_id))
    body = owner.get(f"/clients/{team.client_id}/onboarding").get_json()
    assert body["run"]["engagement"] == 1
    assert [s["key"] for s in body["run"]["steps"]] == [
        "work_item",
        "invitations",
        "welcome_packet",
    ]
    assert [s["state"] for s in body["run"]["steps"]] == ["done", "done", "pending"]
    resp = owner.post(f"/clients/{team.client_id}/onboarding/packet")
    assert resp.status_code == 202 and _packet_jobs() == 2

    with tenant(team.agency_id):
        sop_id = db.session.get(SopVersion, team.package_version_id).sop_id
    resp = owner.patch(f"/packages/{team.package_id}", json={"onboarding_sop_id": sop_id})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["onboarding_sop_id"] == sop_id
    resp = owner.patch(f"/packages/{team.package_id}", json={"onboarding_sop_id": 999999})
    assert resp.status_code == 422
    assert "onboarding_sop_id" in str(resp.get_json())
