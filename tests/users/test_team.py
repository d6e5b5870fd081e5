"""The team page: who may see it, what it shows, and the rules of every member action."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.users import policy
from app.users.models import ApiToken, Membership, UserSession
from tests.helpers import api_token, bearer, member
from tests.users.support import count, field_error, fresh, session_id, session_row, signed_in


def _url(team, suffix: str = "") -> str:
    return f"/{team.agency.slug}/team{suffix}"


def _events(action: str) -> list[AuditEvent]:
    with all_tenants():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("manager", 200), ("va", 403), ("qa", 403), ("client_login", 403)],
)
def test_team_page_is_for_owners_and_managers(app, team, role, status):
    browser = signed_in(app, getattr(team, role).user)
    assert browser.get(_url(team)).status_code == status
    assert browser.get(_url(team, f"/{team.va.id}")).status_code == status


def test_team_page_lists_members_with_role_status_title_capacity_and_rates(app, team, other):
    with tenant(team.agency.id):
        team.va.capacity_hours_week = 30
        db.session.commit()
    page = signed_in(app, team.manager.user).get(_url(team))
    html = page.data.decode()
    for m in (team.owner, team.manager, team.va, team.qa, team.client_login):
        assert m.user.email in html
    assert "Inbox VA" in html and "30 h/week" in html
    # Costs are the owner's to see (managers' when the agency lets them).
    assert "$12.50/h" not in html
    assert "$12.50/h" in signed_in(app, team.owner.user).get(_url(team)).data.decode()
    assert ">VA<" in html and "active" in html
    assert other.owner.user.email not in html
    assert other.va.user.email not in html


def test_invite_a_va_sends_a_link_by_email(app, team):
    browser = signed_in(app, team.manager.user)
    resp = browser.post(_url(team, "/invite"), data={"email": "New.VA@Example.test", "role": "va"})
    assert resp.status_code == 302
    page = browser.get(_url(team))
    assert b"new.va@example.test" in page.data
    assert len(_events("invitation.created")) == 1


def test_invite_form_errors_name_the_fields_and_write_nothing(app, team):
    browser = signed_in(app, team.owner.user)
    resp = browser.post(_url(team, "/invite"), data={"email": "not-an-email", "role": "boss"})
    assert resp.status_code == 422
    assert field_error(resp, "email") and field_error(resp, "role")
    resp = browser.post(_url(team, "/invite"), data={"email": team.va.user.email, "role": "va"})
    assert resp.status_code == 422 and field_error(resp, "email")
    assert b"already a member" in resp.data
    assert _events("invitation.created") == []


def test_client_invitation_needs_a_client_of_this_agency(app, team, other):
    browser = signed_in(app, team.owner.user)
    missing = browser.post(_url(team, "/invite"), data={"email": "c@client.test", "role": "client"})
    assert missing.status_code == 422 and field_error(missing, "client_id")
    foreign = browser.post(
        _url(team, "/invite"),
        data={"email": "c@client.test", "role": "client", "client_id": str(other.client_id)},
    )
    assert foreign.status_code == 422 and field_error(foreign, "client_id")
    assert b"does not exist" in foreign.data
    ok = browser.post(
        _url(team, "/invite"),
        data={"email": "c@client.test", "role": "client", "client_id": str(team.client_id)},
    )
    assert ok.status_code == 302
    assert _events("invitation.created")[0].after["client_id"] == team.client_id


def test_managers_cannot_invite_owners(app, team):
    resp = signed_in(app, team.manager.user).post(
        _url(team, "/invite"), data={"email": "boss@example.test", "role": "owner"}
    )
    assert resp.status_code == 422 and field_error(resp, "role")
    assert (
        signed_in(app, team.owner.user)
        .post(_url(team, "/invite"), data={"email": "boss@example.test", "role": "owner"})
        .status_code
        == 302
    )


def test_owner_changes_a_role_and_it_is_audited(app, team):
    browser = signed_in(app, team.owner.user)
    resp = browser.post(_url(team, f"/{team.va.id}/role"), data={"role": "qa"})
    assert resp.status_code == 302
    assert fresh(Membership, team.va.id).role == "qa"
    (event,) = _events("member.role_changed")
    assert event.before == {"role": "va"} and event.after == {"role": "qa"}


@pytest.mark.parametrize(
    ("actor", "target", "role", "reason"),
    [
        ("manager", "owner", "va", b"can&#39;t change or disable an owner"),
        ("manager", "va", "owner", b"Only an owner can make someone an owner"),
        ("manager", "manager", "va", b"can&#39;t change your own role"),
        ("owner", "owner", "manager", b"can&#39;t change your own role"),
        ("owner", "va", "client", b"can&#39;t be swapped"),
    ],
)
def test_role_rules_refuse_with_a_reason(app, team, actor, target, role, reason):
    target_member = getattr(team, target)
    before = target_member.role
    resp = signed_in(app, getattr(team, actor).user).post(
        _url(team, f"/{target_member.id}/role"), data={"role": role}
    )
    assert resp.status_code == 409
    assert reason in resp.data
    assert fresh(Membership, target_member.id).role == before
    assert _events("member.role_changed") == []


def test_role_form_rejects_unknown_roles(app, team):
    resp = signed_in(app, team.owner.user).post(
        _url(team, f"/{team.va.id}/role"), data={"role": "god"}
    )
    assert resp.status_code == 422 and field_error(resp, "role")


def test_last_active_owner_rule():
    from types import SimpleNamespace

    owner = SimpleNamespace(role="owner", status="active", user_id=1)
    other_owner = SimpleNamespace(role="owner", status="active", user_id=2)
    actor = SimpleNamespace(role="owner", user_id=3, sees_rates=True)
    assert policy.role_change_refusal(actor, owner, "manager", active_owners=1) == policy.LAST_OWNER
    assert policy.member_disable_refusal(actor, owner, active_owners=1) == policy.LAST_OWNER
    assert policy.role_change_refusal(actor, other_owner, "manager", active_owners=2) is None


def test_owner_may_demote_another_owner_but_not_the_last(app, team):
    second = member(team.agency, "owner")
    db.session.commit()
    browser = signed_in(app, team.owner.user)
    assert (
        browser.post(_url(team, f"/{second.id}/role"), data={"role": "manager"}).status_code == 302
    )
    assert fresh(Membership, second.id).role == "manager"


def test_edit_title_capacity_and_cost_rate(app, team):
    """The owner sets the cost (managers only when the agency lets them see costs)."""
    browser = signed_in(app, team.owner.user)
    resp = browser.post(
        _url(team, f"/{team.va.id}/details"),
        data={
            "title": "Lead VA",
            "capacity_hours_week": "25",
            "cost_rate": "14.75",
            "cost_currency": "eur",
        },
    )
    assert resp.status_code == 302
    m = fresh(Membership, team.va.id)
    assert (m.title, m.capacity_hours_week, m.cost_rate_minor, m.cost_currency) == (
        "Lead VA",
        25,
        1475,
        "EUR",
    )
    (event,) = _events("member.updated")
    assert event.after["cost_rate_minor"] == 1475 and event.before["cost_rate_minor"] == 1250

    bad = browser.post(
        _url(team, f"/{team.va.id}/details"),
        data={
            "title": "x" * 121,
            "capacity_hours_week": "200",
            "cost_rate": "1.234",
            "cost_currency": "USD",
        },
    )
    assert bad.status_code == 422
    for field in ("title", "capacity_hours_week", "cost_rate"):
        assert field_error(bad, field), field
    assert fresh(Membership, team.va.id).title == "Lead VA"

    manager = signed_in(app, team.manager.user)
    refused = manager.post(_url(team, f"/{team.owner.id}/details"), data={"title": "Boss"})
    assert refused.status_code == 409
    assert fresh(Membership, team.owner.id).title is None
    hidden = manager.post(
        _url(team, f"/{team.va.id}/details"), data={"cost_rate": "20.00", "cost_currency": "USD"}
    )
    assert hidden.status_code == 409
    assert fresh(Membership, team.va.id).cost_rate_minor == 1475


def test_disabling_a_member_ends_all_their_sessions_and_tokens_at_once(app, team):
    phone = signed_in(app, team.va.user)
    laptop = signed_in(app, team.va.user)
    token = api_token(team.va)
    db.session.commit()
    sids = [session_id(phone), session_id(laptop)]
    assert phone.get(f"/{team.agency.slug}/").status_code == 200
    assert laptop.get(f"/{team.agency.slug}/").status_code == 200
    api = app.test_client()
    assert api.get(f"/api/v1/{team.agency.slug}/agency", headers=bearer(token)).status_code == 200

    owner = signed_in(app, team.owner.user)
    resp = owner.post(_url(team, f"/{team.va.id}/disable"))
    assert resp.status_code == 302

    assert all(session_row(s).revoked_at is not None for s in sids)
    for browser in (phone, laptop):
        gone = browser.get(f"/{team.agency.slug}/")
        assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert api.get(f"/api/v1/{team.agency.slug}/agency", headers=bearer(token)).status_code == 401
    m = fresh(Membership, team.va.id)
    assert m.status == "disabled" and m.disabled_at is not None
    assert count(ApiToken, ApiToken.user_id == team.va.user_id, ApiToken.revoked_at.is_(None)) == 0
    assert (
        count(UserSession, UserSession.user_id == team.va.user_id, UserSession.revoked_at.is_(None))
        == 0
    )
    (event,) = _events("member.disabled")
    assert event.after["sessions_revoked"] == 2 and event.after["tokens_revoked"] == 1
    # The owner's own session is untouched.
    assert owner.get(_url(team)).status_code == 200


def test_disabled_member_cannot_come_back_until_enabled(app, team):
    owner = signed_in(app, team.owner.user)
    owner.post(_url(team, f"/{team.va.id}/disable"))
    va = app.test_client()
    assert (
        va.post(
            "/login", data={"email": team.va.user.email, "password": "correct-horse-battery"}
        ).status_code
        == 401
    )
    assert owner.post(_url(team, f"/{team.va.id}/enable")).status_code == 302
    assert fresh(Membership, team.va.id).status == "active"
    assert signed_in(app, team.va.user).get(f"/{team.agency.slug}/").status_code == 200
    assert len(_events("member.enabled")) == 1


def test_disabled_member_keeps_their_other_agencies(app, team, other):
    elsewhere = member(other.agency, "va", user=team.va.user)
    db.session.commit()
    signed_in(app, team.owner.user).post(_url(team, f"/{team.va.id}/disable"))
    browser = signed_in(app, team.va.user)
    assert browser.get(f"/{other.agency.slug}/").status_code == 200
    assert browser.get(f"/{team.agency.slug}/").status_code == 404
    assert fresh(Membership, elsewhere.id).status == "active"


@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [
        ("manager", "owner", b"can&#39;t change or disable an owner"),
        ("owner", "owner", b"can&#39;t disable yourself"),
        ("manager", "manager", b"can&#39;t disable yourself"),
    ],
)
def test_disable_rules_refuse_with_a_reason(app, team, actor, target, reason):
    target_member = getattr(team, target)
    resp = signed_in(app, getattr(team, actor).user).post(
        _url(team, f"/{target_member.id}/disable")
    )
    assert resp.status_code == 409
    assert reason in resp.data
    assert fresh(Membership, target_member.id).status == "active"
    assert (
        count(
            UserSession,
            UserSession.user_id == target_member.user_id,
            UserSession.revoked_at.is_not(None),
        )
        == 0
    )


def test_managers_cannot_enable_a_disabled_owner(app, team):
    second = member(team.agency, "owner", status="disabled")
    db.session.commit()
    resp = signed_in(app, team.manager.user).post(_url(team, f"/{second.id}/enable"))
    assert resp.status_code == 409
    assert fresh(Membership, second.id).status == "disabled"


def test_revoke_an_invitation_from_the_team_page(app, team):
    browser = signed_in(app, team.manager.user)
    browser.post(_url(team, "/invite"), data={"email": "later@example.test", "role": "qa"})
    (created,) = _events("invitation.created")
    listed = f'data-invitation-id="{created.entity_id}"'.encode()
    assert listed in browser.get(_url(team)).data
    resp = browser.post(_url(team, f"/invitations/{created.entity_id}/revoke"))
    assert resp.status_code == 302
    assert listed not in browser.get(_url(team)).data
    again = browser.post(_url(team, f"/invitations/{created.entity_id}/revoke"))
    assert again.status_code == 409


@pytest.mark.parametrize(
    "suffix",
    ["/{m}", "/{m}/role", "/{m}/details", "/{m}/disable", "/{m}/enable", "/invitations/{i}/revoke"],
)
def test_another_agencys_ids_are_404_before_any_validation(app, team, other, suffix):
    foreign_owner = signed_in(app, other.owner.user)
    foreign_owner.post(
        f"/{other.agency.slug}/team/invite", data={"email": "x@example.test", "role": "va"}
    )
    (inv,) = _events("invitation.created")
    path = _url(team, suffix.format(m=other.va.id, i=inv.entity_id))
    owner = signed_in(app, team.owner.user)
    resp = owner.get(path) if suffix == "/{m}" else owner.post(path, data={})
    assert resp.status_code == 404
    assert fresh(Membership, other.va.id).status == "active"
    with all_tenants():
        assert (
            db.session.scalar(
                sa.select(AuditEvent.id).where(AuditEvent.agency_id == team.agency.id)
            )
            is None
        )
