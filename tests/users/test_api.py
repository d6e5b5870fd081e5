"""The members and invitations API: pagination, the team rules as 409s, 422s that name the
field and write nothing, other agencies' ids as 404 before any validation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import ApiToken, Invitation, Membership, UserSession
from tests.helpers import api_token, bearer, member
from tests.users.support import count, fresh, signed_in


def _rows() -> dict:
    """How many rows of every table the API could write."""
    with all_tenants():
        return {
            m.__name__: count(m)
            for m in (Membership, Invitation, AuditEvent, OutboundEmail, ApiToken)
        } | {
            "changed": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
            "revoked_sessions": count(UserSession, UserSession.revoked_at.is_not(None)),
        }


@pytest.fixture
def api(app, team):
    """A JSON client acting as a role of `team`'s agency: api("owner").get(path)."""

    class Caller:
        def __init__(self, role: str) -> None:
            self.headers = bearer(api_token(getattr(team, role)))
            db.session.commit()
            self.client = app.test_client()

        def __getattr__(self, method: str):
            def call(path: str, **kw):
                url = f"/api/v1/{team.agency.slug}{path}"
                return getattr(self.client, method)(url, headers=self.headers, **kw)

            return call

    return Caller


def test_list_members_paginated_with_rates_for_managers(api, team, other):
    resp = api("manager").get("/members?per_page=2")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    assert len(body["items"]) == 2
    everyone = api("owner").get("/members?per_page=100").get_json()["items"]
    emails = {m["user"]["email"] for m in everyone}
    assert team.va.user.email in emails and other.va.user.email not in emails
    va = next(m for m in everyone if m["id"] == team.va.id)
    assert va["cost_rate_minor"] == 1250 and va["cost_currency"] == "USD"
    assert va["role"] == "va" and va["title"] == "Inbox VA" and va["status"] == "active"
    assert api("manager").get("/members?page=3&per_page=2").get_json()["items"][0]


def test_list_members_filters_and_bad_query_args_name_the_field(api):
    owners = api("owner").get("/members?role=owner").get_json()["items"]
    assert [m["role"] for m in owners] == ["owner"]
    bad = api("owner").get("/members?per_page=1000&page=0&role=boss")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"per_page", "page", "role"}


@pytest.mark.parametrize("role", ["va", "qa", "client_login"])
def test_members_api_is_for_owners_and_managers(api, team, role):
    caller = api(role)
    assert caller.get("/members").status_code == 403
    assert caller.get(f"/members/{team.va.id}").status_code == 403
    assert caller.patch(f"/members/{team.va.id}", json={"title": "x"}).status_code == 403
    assert caller.post(f"/members/{team.va.id}/disable").status_code == 403
    assert caller.get("/invitations").status_code == 403
    assert fresh(Membership, team.va.id).status == "active"


def test_rates_are_left_out_for_those_who_may_not_see_them(team):
    from app.core.permissions import Actor
    from app.users.api import _present
    from app.users.schemas import MemberOut

    va = fresh(Membership, team.va.id)
    seen_by_va = MemberOut().dump(_present(Actor(user=va.user, membership=va), va))
    assert "cost_rate_minor" not in seen_by_va and "cost_currency" not in seen_by_va
    assert seen_by_va["title"] == "Inbox VA"
    manager = fresh(Membership, team.manager.id)
    as_manager = Actor(user=manager.user, agency=manager.agency, membership=manager)
    assert "cost_rate_minor" not in MemberOut().dump(_present(as_manager, va))
    owner = fresh(Membership, team.owner.id)
    as_owner = Actor(user=owner.user, agency=owner.agency, membership=owner)
    assert MemberOut().dump(_present(as_owner, va))["cost_rate_minor"] == 1250
    # Managers see costs when the agency lets them (the time billing settings).
    manager.agency.managers_see_costs = True
    assert MemberOut().dump(_present(as_manager, va))["cost_rate_minor"] == 1250


def test_patch_a_member(api, team):
    resp = api("owner").patch(
        f"/members/{team.va.id}",
        json={"role": "qa", "title": "QA lead", "capacity_hours_week": 20, "cost_rate_minor": 900},
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["role"], body["title"], body["capacity_hours_week"]) == ("qa", "QA lead", 20)
    assert (body["cost_rate_minor"], body["cost_currency"]) == (900, "USD")
    with all_tenants():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"member.role_changed", "member.updated"} <= actions


def test_patch_errors_name_each_field_and_write_nothing(api, team):
    owner = api("owner")
    before = _rows()
    resp = owner.patch(
        f"/members/{team.va.id}",
        json={
            "role": "emperor",
            "capacity_hours_week": -3,
            "cost_currency": "DOLLARS",
            "cost_rate_minor": "lots",
            "salary": 1,
        },
    )
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert set(errors) == {
        "role",
        "capacity_hours_week",
        "cost_currency",
        "cost_rate_minor",
        "salary",
    }
    assert _rows() == before
    m = fresh(Membership, team.va.id)
    assert (m.role, m.capacity_hours_week, m.cost_rate_minor) == ("va", None, 1250)


@pytest.mark.parametrize(
    ("actor", "target", "body", "reason"),
    [
        ("manager", "owner", {"title": "Boss"}, "Managers can't change or disable an owner."),
        ("manager", "va", {"role": "owner"}, "Only an owner can make someone an owner."),
        ("owner", "owner", {"role": "va"}, "You can't change your own role"),
        ("owner", "client_login", {"role": "va"}, "can't be swapped"),
    ],
)
def test_patch_refused_by_a_rule_is_409_with_the_reason(api, team, actor, target, body, reason):
    caller = api(actor)
    before = _rows()
    target_member = getattr(team, target)
    resp = caller.patch(f"/members/{target_member.id}", json=body)
    assert resp.status_code == 409
    assert reason in resp.get_json()["message"]
    assert _rows() == before
    m = fresh(Membership, target_member.id)
    assert (m.role, m.title) == (target_member.role, target_member.title)


def test_disable_and_enable_through_the_api(app, api, team):
    browser = signed_in(app, team.va.user)
    va_token = api_token(team.va)
    db.session.commit()
    owner = api("owner")
    resp = owner.post(f"/members/{team.va.id}/disable")
    assert resp.status_code == 200 and resp.get_json()["status"] == "disabled"
    assert browser.get(f"/{team.agency.slug}/").status_code == 302
    agency_url = f"/api/v1/{team.agency.slug}/agency"
    assert app.test_client().get(agency_url, headers=bearer(va_token)).status_code == 401
    again = owner.post(f"/members/{team.va.id}/disable")
    assert again.status_code == 409 and "already disabled" in again.get_json()["message"]
    resp = owner.post(f"/members/{team.va.id}/enable")
    assert resp.status_code == 200 and resp.get_json()["status"] == "active"
    assert owner.post(f"/members/{team.owner.id}/disable").status_code == 409
    assert api("manager").post(f"/members/{team.owner.id}/disable").status_code == 409
    assert fresh(Membership, team.owner.id).status == "active"


def test_invitations_create_list_get_and_revoke(api, team):
    manager = api("manager")
    resp = manager.post("/invitations", json={"email": "Api.Person@Example.test", "role": "va"})
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert created["email"] == "api.person@example.test" and created["state"] == "pending"
    assert "token" not in created and "token_hash" not in created
    with all_tenants():
        assert count(OutboundEmail, OutboundEmail.to_addr == "api.person@example.test") == 1

    listed = manager.get("/invitations?state=pending").get_json()
    assert [i["id"] for i in listed["items"]] == [created["id"]]
    assert listed["meta"]["total"] == 1
    assert manager.get(f"/invitations/{created['id']}").get_json()["role"] == "va"

    assert manager.delete(f"/invitations/{created['id']}").status_code == 204
    assert manager.get(f"/invitations/{created['id']}").get_json()["state"] == "revoked"
    assert manager.delete(f"/invitations/{created['id']}").status_code == 409
    assert manager.get("/invitations?state=pending").get_json()["items"] == []


def test_client_invitation_through_the_api(api, team, other):
    owner = api("owner")
    foreign = owner.post(
        "/invitations", json={"email": "c@x.test", "role": "client", "client_id": other.client_id}
    )
    assert foreign.status_code == 422
    assert foreign.get_json()["errors"]["client_id"] == ["Client does not exist."]
    ok = owner.post(
        "/invitations", json={"email": "c@x.test", "role": "client", "client_id": team.client_id}
    )
    assert ok.status_code == 201 and ok.get_json()["client_id"] == team.client_id


def test_invitation_errors_name_each_field_and_write_nothing(api, team):
    manager = api("manager")
    before = _rows()
    cases = [
        ({}, {"email", "role"}),
        ({"email": "nope", "role": "va"}, {"email"}),
        ({"email": "a@b.test", "role": "ruler"}, {"role"}),
        ({"email": "a@b.test", "role": "va", "client_id": team.client_id}, {"client_id"}),
        ({"email": "a@b.test", "role": "client"}, {"client_id"}),
        ({"email": "a@b.test", "role": "owner"}, {"role"}),  # managers can't invite owners
        ({"email": team.qa.user.email, "role": "va"}, {"email"}),  # already a member
        ({"email": "a@b.test", "role": "va", "admin": True}, {"admin"}),
    ]
    for body, fields in cases:
        resp = manager.post("/invitations", json=body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert set(resp.get_json()["errors"]) == fields, body
    assert _rows() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/members/{m}"),
        ("patch", "/members/{m}"),
        ("post", "/members/{m}/disable"),
        ("post", "/members/{m}/enable"),
        ("get", "/invitations/{i}"),
        ("delete", "/invitations/{i}"),
    ],
)
@pytest.mark.parametrize("body", [None, {}, {"role": "nonsense", "unknown": 1}])
def test_another_agencys_ids_are_404_before_validation(app, api, team, other, method, path, body):
    theirs = app.test_client().post(
        f"/api/v1/{other.agency.slug}/invitations",
        json={"email": "theirs@example.test", "role": "va"},
        headers=bearer(api_token(other.owner)),
    )
    assert theirs.status_code == 201
    owner = api("owner")
    before = _rows()
    url = path.format(m=other.va.id, i=theirs.get_json()["id"])
    kwargs = {} if body is None else {"json": body}
    assert getattr(owner, method)(url, **kwargs).status_code == 404
    assert _rows() == before


def test_api_ignores_session_cookies(app, team):
    browser = signed_in(app, team.owner.user)
    assert browser.get(f"/api/v1/{team.agency.slug}/members").status_code == 401


def test_a_token_of_another_agency_opens_nothing_here(app, team, other):
    token = api_token(member(other.agency, "manager"))
    db.session.commit()
    resp = app.test_client().get(f"/api/v1/{team.agency.slug}/members", headers=bearer(token))
    assert resp.status_code == 404
