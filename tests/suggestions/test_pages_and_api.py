"""Skill tags and suggestions on the pages and in the API: owners and managers only, other
agencies' ids 404, bad input 422 naming the field with nothing changed, and the suggested
VAs (with reasons) beside the assigning forms."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from app.suggestions.models import ClientSkillTag, MemberSkillTag
from tests.clients.support import api, make_team, web
from tests.suggestions.support import DUE, sop, tag, va


def _tags(model) -> list[str]:
    with all_tenants():
        return sorted(db.session.scalars(sa.select(model.tag)))


def test_tags_page_normalises_and_audits(app, team):
    owner = web(app, team.owner)
    url = f"/{team.slug}/team/{team.va.id}/skills"
    assert owner.get(url).status_code == 200
    resp = owner.post(url, data={"tags": "Bookkeeping, Data  Entry , xero,xero"})
    assert resp.status_code == 303
    assert _tags(MemberSkillTag) == ["bookkeeping", "data-entry", "xero"]
    with all_tenants():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "skills.tags_changed")
        )
    assert event.after == {"tags": ["bookkeeping", "data-entry", "xero"]}
    assert event.entity_type == "memberships" and event.entity_id == team.va.id
    page = owner.get(url).get_data(as_text=True)
    assert "bookkeeping, data-entry, xero" in page
    # The member page links here.
    member_page = owner.get(f"/{team.slug}/team/{team.va.id}").get_data(as_text=True)
    assert url in member_page


def test_bad_tags_are_refused_naming_the_field(app, team):
    owner = web(app, team.owner)
    url = f"/{team.slug}/clients/{team.client.id}/skills"
    for bad in ("<script>", "x" * 41, ", ".join(f"t{i}" for i in range(31)), "---"):
        resp = owner.post(url, data={"tags": bad})
        assert resp.status_code == 422, bad
        assert 'data-field-error="tags"' in resp.get_data(as_text=True)
    assert _tags(ClientSkillTag) == []


def test_only_owners_and_managers_set_tags_or_see_suggestions(app, team):
    version = sop(team)
    urls = [
        f"/{team.slug}/team/{team.va.id}/skills",
        f"/{team.slug}/sops/{version.sop_id}/skills",
        f"/{team.slug}/clients/{team.client.id}/skills",
        f"/{team.slug}/clients/{team.client.id}/suggestions",
    ]
    for member in (team.va, team.qa, team.contact):
        browser = web(app, member)
        for url in urls:
            assert browser.get(url).status_code == 403, (member.role, url)
        assert browser.post(urls[0], data={"tags": "x"}).status_code == 403
    manager = web(app, team.manager)
    for url in urls:
        assert manager.get(url).status_code == 200, url
    assert _tags(MemberSkillTag) == []


def test_other_agencies_ids_are_not_found(app, team):
    other = make_team(time_zone="UTC")
    owner = web(app, team.owner)
    for url in (
        f"/{team.slug}/team/{other.va.id}/skills",
        f"/{team.slug}/clients/{other.client.id}/skills",
        f"/{team.slug}/clients/{other.client.id}/suggestions",
    ):
        assert owner.get(url).status_code == 404, url
    assert (
        owner.post(f"/{team.slug}/team/{other.va.id}/skills", data={"tags": "x"}).status_code == 404
    )
    client = api(app, team.owner)
    assert client.get(f"/clients/{other.client.id}/suggestions").status_code == 404
    assert client.get(f"/members/{other.va.id}/skills").status_code == 404


def test_suggestions_page_shows_reasons_and_picks_into_the_form(app, team):
    version = sop(team)
    keeper = va(team, "Bruno Keeper")
    va(team, "Alice Plain")
    tag("member", keeper, "bookkeeping", "xero")
    tag("sop", version.sop, "bookkeeping")
    tag("client", team.client, "xero")
    owner = web(app, team.owner)
    base = f"/{team.slug}/clients/{team.client.id}/suggestions"
    page = owner.get(f"{base}?sop_id={version.sop_id}&due={DUE.isoformat()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index("Bruno Keeper") < html.index("Alice Plain")
    assert "2 matching skills: bookkeeping, xero" in html
    assert "h free until 6 Mar 2026" in html and "h/day overlap" in html
    pick = f"/{team.slug}/clients/{team.client.id}?va={keeper.id}#assignments"
    assert pick in html
    # The pick opens the client's page with the VA selected in the assignment form.
    detail = owner.get(pick.split("#")[0]).get_data(as_text=True)
    assert f'<option value="{keeper.id}" selected>' in detail
    assert 'data-testid="suggestions-panel"' in detail and base in detail
    # The fragment the form loads with htmx: the list only.
    fragment = owner.get(f"{base}?fragment=true&pick=work_new&assigned_only=true")
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert "Bruno Keeper" in body and f"assignee_id={keeper.id}" in body
    # Bad query values: 422 naming the field.
    for query, field in (
        ("sop_id=2000000000", "sop_id"),
        ("due=2026-02-30", "due"),
        ("due_at=garbage", "due_at"),
        ("pick=bogus", "pick"),
    ):
        bad = owner.get(f"{base}?{query}")
        assert bad.status_code == 422, query
        assert f'data-field-error="{field}"' in bad.get_data(as_text=True), query


def test_work_forms_offer_suggestions(app, team):
    from tests.factories import AssignmentFactory, WorkItemFactory

    AssignmentFactory(client=team.client, membership=team.va)
    owner = web(app, team.owner)
    new = owner.get(f"/{team.slug}/clients/{team.client.id}/work/new?assignee_id={team.va.id}")
    html = new.get_data(as_text=True)
    assert 'data-suggest-for="f-assignee_id"' in html and "pick=work_new" in html
    assert f'<option value="{team.va.id}" selected>' in html
    item = WorkItemFactory(client=team.client, assignee_id=team.va.id)
    show = owner.get(f"/{team.slug}/work/{item.id}").get_data(as_text=True)
    assert 'data-suggest-for="f-assignee"' in show and "pick=work_item" in show


def test_api_suggestions_and_tags(app, team):
    version = sop(team)
    keeper = va(team, "Bruno Keeper")
    owner = api(app, team.owner)
    put = owner.client.put(
        f"/api/v1/{team.slug}/members/{keeper.id}/skills",
        json={"tags": ["Bookkeeping", "xero"]},
        headers=owner.headers,
    )
    assert put.status_code == 200 and put.get_json()["tags"] == ["bookkeeping", "xero"]
    sop_put = owner.client.put(
        f"/api/v1/{team.slug}/sops/{version.sop_id}/skills",
        json={"tags": ["bookkeeping"]},
        headers=owner.headers,
    )
    assert sop_put.status_code == 200
    assert owner.get(f"/sops/{version.sop_id}/skills").get_json()["tags"] == ["bookkeeping"]
    resp = owner.get(
        f"/clients/{team.client.id}/suggestions?sop_id={version.sop_id}&due={DUE.isoformat()}"
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["weights"] == {"skills": 40, "capacity": 25, "overlap": 20, "quality": 15}
    first = body["items"][0]
    assert first["membership_id"] == keeper.id and first["rank"] == 1
    assert first["matched_tags"] == ["bookkeeping"] and first["wanted_tags"] == 1
    assert first["free_hours"] == 24.0 and first["window_end"] == DUE.isoformat()
    assert set(first["points"]) == {"skills", "capacity", "overlap", "quality"}
    assert first["first_pass_yield"] is None
    # Bad input: 422 naming the field, nothing changed.
    missing = owner.get(f"/clients/{team.client.id}/suggestions?sop_id=2000000000")
    assert missing.status_code == 422 and "sop_id" in missing.get_json()["errors"]
    bad = owner.client.put(
        f"/api/v1/{team.slug}/members/{keeper.id}/skills",
        json={"tags": ["fine", "not fine!"]},
        headers=owner.headers,
    )
    assert bad.status_code == 422 and "tags" in bad.get_json()["errors"]
    assert owner.get(f"/members/{keeper.id}/skills").get_json()["tags"] == ["bookkeeping", "xero"]
    # VAs, QA reviewers and client contacts: 403.
    for member in (team.va, team.qa, team.contact):
        other = api(app, member)
        assert other.get(f"/clients/{team.client.id}/suggestions").status_code == 403
        assert other.get(f"/members/{keeper.id}/skills").status_code == 403
