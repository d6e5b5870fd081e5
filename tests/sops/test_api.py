"""The SOP JSON API: the same rules, validation and messages as the pages (422 naming the
path of every problem under `errors.yaml`), immutable versions, YAML export."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.sops.models import Sop
from app.sops.services import install_library
from tests.clients.support import api, count_rows
from tests.sops.support import fetch_sop, sops_of, valid_data, valid_yaml, versions_of
from tests.sops.support import to_yaml as dump


@pytest.fixture
def library(team) -> dict[str, Sop]:
    install_library(team.agency)
    db.session.commit()
    return {s.slug: s for s in sops_of(team.agency.id)}


@pytest.mark.parametrize("role", ["owner", "manager", "va", "qa"])
def test_staff_list_and_read_sops(app, team, library, role):
    caller = api(app, getattr(team, role))
    resp = caller.get("/sops", query_string={"per_page": 4})
    assert resp.status_code == 200
    assert resp.json["meta"] == {"page": 1, "per_page": 4, "total": 7, "pages": 2}
    first = resp.json["items"][0]
    assert first["title"] == "Client follow-up"  # by title
    assert first["current_version"]["number"] == 1
    assert first["current_version"]["stage_count"] == 2
    assert "definition" not in first["current_version"]

    social = library["monthly-social-media"]
    one = caller.get(f"/sops/{social.id}").json
    assert one["slug"] == "monthly-social-media" and one["source"] == "file"
    assert one["current_version"]["client_approval"] is True
    assert one["current_version"]["definition"]["stages"][3]["key"] == "client_approval"
    assert one["current_version"]["yaml"].startswith("# Monthly social media")

    found = caller.get("/sops", query_string={"q": "INBOX"}).json["items"]
    assert [s["slug"] for s in found] == ["daily-inbox-management"]


def test_client_contacts_are_refused(app, team, library):
    caller = api(app, team.contact)
    sop = library["client-onboarding"]
    assert caller.get("/sops").status_code == 403
    assert caller.get(f"/sops/{sop.id}").status_code == 403
    assert caller.get(f"/sops/{sop.id}/versions").status_code == 403
    assert caller.get(f"/sops/{sop.id}/versions/{sop.current_version_id}/export").status_code == 403


@pytest.mark.parametrize("role", ["va", "qa", "client"])
def test_only_owners_and_managers_write(app, team, library, role):
    caller = api(app, getattr(team, "contact" if role == "client" else role))
    sop = library["client-onboarding"]
    before = count_rows(Sop, team.agency.id)
    assert caller.post("/sops", json={"yaml": valid_yaml()}).status_code == 403
    assert caller.post("/sops/import", json={"yaml": valid_yaml()}).status_code == 403
    text = sop.current_version.yaml_text.replace('"1.0"', '"9"')
    assert (
        caller.client.put(
            f"/api/v1/{team.slug}/sops/{sop.id}", json={"yaml": text}, headers=caller.headers
        ).status_code
        == 403
    )
    assert caller.post(f"/sops/{sop.id}/clone", json={"slug": "x", "title": "X"}).status_code == 403
    assert caller.post(f"/sops/{sop.id}/archive").status_code == 403
    assert count_rows(Sop, team.agency.id) == before
    assert len(versions_of(sop.id)) == 1


def _put(caller, team, sop_id: int, body: dict):
    return caller.client.put(
        f"/api/v1/{team.slug}/sops/{sop_id}", json=body, headers=caller.headers
    )


def test_create_update_versions_and_export(app, team):
    owner = api(app, team.manager)
    resp = owner.post("/sops", json={"yaml": valid_yaml()})
    assert resp.status_code == 201, resp.json
    sop_id = resp.json["id"]
    assert resp.json["current_version"]["number"] == 1
    assert resp.json["current_version"]["definition"]["stages"][0]["items"][1]["required"] is False

    same = _put(owner, team, sop_id, {"yaml": valid_yaml(), "base_version": 1})
    assert same.status_code == 200 and same.json["current_version"]["number"] == 1

    changed = _put(owner, team, sop_id, {"yaml": valid_yaml(version="2"), "base_version": 1})
    assert changed.status_code == 200
    assert changed.json["current_version"]["number"] == 2
    assert changed.json["current_version"]["label"] == "2"

    stale = _put(owner, team, sop_id, {"yaml": valid_yaml(version="3"), "base_version": 1})
    assert stale.status_code == 409
    assert "version 2 is current" in stale.json["message"]

    listed = owner.get(f"/sops/{sop_id}/versions").json
    assert [v["number"] for v in listed["items"]] == [2, 1]
    v1_id = listed["items"][1]["id"]
    v1 = owner.get(f"/sops/{sop_id}/versions/{v1_id}").json
    assert v1["definition"]["version"] == "1.0" and v1["yaml"] == valid_yaml()
    export = owner.get(f"/sops/{sop_id}/versions/{v1_id}/export")
    assert export.status_code == 200 and export.mimetype == "application/yaml"
    assert export.get_data(as_text=True) == valid_yaml()
    assert 'filename="test-sop-v1.yaml"' in export.headers["Content-Disposition"]


def test_invalid_yaml_is_a_422_naming_every_path(app, team, library):
    owner = api(app, team.owner)
    data = valid_data()
    data["stages"][1]["items"][0]["evidence"] = "photo"
    data["rubric"][1]["pass_mark"] = 9
    resp = owner.post("/sops", json={"yaml": dump(data)})
    assert resp.status_code == 422
    assert resp.json["errors"] == {
        "yaml": [
            "stages.1.items.0.evidence: Must be one of: none, link, file, note.",
            "rubric.1.pass_mark: Must be greater than or equal to 1 and less than or equal to 5.",
        ]
    }
    sop = library["daily-inbox-management"]
    resp = _put(owner, team, sop.id, {"yaml": "slug: [\n"})
    assert resp.status_code == 422
    assert resp.json["errors"]["yaml"][0].startswith("line 2, column 1: Not valid YAML")
    resp = _put(owner, team, sop.id, {"yaml": valid_yaml()})
    assert resp.status_code == 422
    assert resp.json["errors"]["yaml"][0].startswith("slug: Must stay 'daily-inbox-management'")
    assert owner.post("/sops", json={"yaml": 5}).json["errors"] == {"yaml": ["Not a valid string."]}
    assert len(versions_of(sop.id)) == 1 and len(sops_of(team.agency.id)) == 7


def test_import_creates_or_adds_a_version_by_slug(app, team, library):
    owner = api(app, team.owner)
    created = owner.post("/sops/import", json={"yaml": valid_yaml()})
    assert created.status_code == 200 and created.json["current_version"]["number"] == 1
    again = owner.post("/sops/import", json={"yaml": valid_yaml(version="1.1")})
    assert again.json["id"] == created.json["id"]
    assert again.json["current_version"]["number"] == 2
    sop = library["weekly-client-status-report"]
    text = sop.current_version.yaml_text.replace('"1.0"', '"1.0-agency"')
    resp = owner.post("/sops/import", json={"yaml": text})
    assert resp.json["id"] == sop.id and resp.json["source"] == "app"


def test_clone_and_archive(app, team, library):
    owner = api(app, team.owner)
    source = library["subcontractor-va-onboarding"]
    resp = owner.post(
        f"/sops/{source.id}/clone", json={"slug": "specialist-onboarding", "title": "Specialists"}
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["source"] == "app" and resp.json["current_version"]["number"] == 1
    definition = resp.json["current_version"]["definition"]
    assert definition["stages"] == source.current_version.definition["stages"]
    dup = owner.post(f"/sops/{source.id}/clone", json={"slug": "client-onboarding", "title": "X"})
    assert dup.status_code == 422 and "slug" in dup.json["errors"]

    archived = owner.post(f"/sops/{source.id}/archive")
    assert archived.status_code == 200 and archived.json["archived"] is True
    assert owner.post(f"/sops/{source.id}/archive").status_code == 409
    live = owner.get("/sops").json["items"]
    assert source.id not in [s["id"] for s in live]
    everything = owner.get("/sops", query_string={"include_archived": "true"}).json["items"]
    assert source.id in [s["id"] for s in everything]
    assert owner.post(f"/sops/{source.id}/unarchive").json["archived"] is False
    assert fetch_sop(source.id).archived_at is None


def test_another_agencys_ids_are_404(app, team, other):
    install_library(other.agency)
    db.session.commit()
    theirs = sops_of(other.agency.id)[0]
    owner = api(app, team.owner)
    v = theirs.current_version_id
    assert owner.get(f"/sops/{theirs.id}").status_code == 404
    assert owner.get(f"/sops/{theirs.id}/versions/{v}").status_code == 404
    assert owner.get(f"/sops/{theirs.id}/versions/{v}/export").status_code == 404
    assert _put(owner, team, theirs.id, {"yaml": "x"}).status_code == 404
    assert owner.post(f"/sops/{theirs.id}/clone", json={}).status_code == 404
    assert owner.get("/sops").json["meta"]["total"] == 0
