"""The SOP pages: the library, training pages with versions, and authoring (create, edit,
clone, import, export, archive) by owners and managers; everyone else on the staff reads,
client contacts see nothing, and another agency's SOPs do not exist."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import tenant
from app.extensions import db
from app.sops.models import Sop
from app.sops.queries import active_sops_for_new_work
from app.sops.services import install_library
from tests.clients.support import count_rows, web
from tests.sops.support import actor_of, fetch_sop, sops_of, valid_data, valid_yaml, versions_of
from tests.sops.support import to_yaml as dump


@pytest.fixture
def library(team) -> dict[str, Sop]:
    """The shipped SOPs installed in the team's agency, by slug."""
    install_library(team.agency)
    db.session.commit()
    return {s.slug: s for s in sops_of(team.agency.id)}


def url(team, path: str = "") -> str:
    return f"/{team.slug}/sops{path}"


# --- reading -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager", "va", "qa"])
def test_the_whole_staff_reads_the_library_and_training_pages(app, team, library, role):
    http = web(app, getattr(team, role))
    page = http.get(url(team))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for sop in library.values():
        assert sop.title in body
    social = library["monthly-social-media"]
    assert f'data-sop-id="{social.id}"' in body
    assert "client approves" in body
    assert ("New SOP" in body) is (role in ("owner", "manager"))

    page = http.get(url(team, f"/{social.id}"))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for stage in ("Client brief", "Content ideas", "Scheduling", "Monthly report"):
        assert stage in body
    assert 'data-item-key="approval_recorded"' in body
    assert "Record the client&#39;s written approval" in body
    assert "score ≥ 4 of 5" in body and "pass / fail" in body
    assert "the client approves the work" in body
    assert "by business day 22" in body
    assert ("Edit</a>" in body) is (role in ("owner", "manager"))
    assert "Export YAML" in body


def test_client_contacts_never_see_sops(app, team, library):
    http = web(app, team.contact)
    sop = library["client-onboarding"]
    version_id = sop.current_version_id
    for path in ("", f"/{sop.id}", f"/{sop.id}/versions/{version_id}", "/new", "/import"):
        assert http.get(url(team, path)).status_code == 403, path
    export = http.get(url(team, f"/{sop.id}/versions/{version_id}/export"))
    assert export.status_code == 403
    with tenant(team.agency.id):
        assert active_sops_for_new_work(actor_of(team.contact)) == []


@pytest.mark.parametrize("role", ["va", "qa"])
def test_vas_and_qa_cannot_author(app, team, library, role):
    http = web(app, getattr(team, role))
    sop = library["client-onboarding"]
    before = count_rows(Sop, team.agency.id)
    for method, path, data in (
        ("GET", "/new", None),
        ("POST", "/new", {"yaml": valid_yaml(slug="sneaky")}),
        ("GET", f"/{sop.id}/edit", None),
        ("POST", f"/{sop.id}/edit", {"yaml": "anything"}),
        ("GET", f"/{sop.id}/clone", None),
        ("POST", f"/{sop.id}/clone", {"slug": "sneaky", "title": "Sneaky"}),
        ("GET", "/import", None),
        ("POST", f"/{sop.id}/archive", None),
    ):
        resp = http.open(url(team, path), method=method, data=data)
        assert resp.status_code == 403, (method, path)
    assert count_rows(Sop, team.agency.id) == before
    assert len(versions_of(sop.id)) == 1


def test_another_agencys_sops_do_not_exist(app, team, other):
    install_library(other.agency)
    db.session.commit()
    theirs = sops_of(other.agency.id)[0]
    http = web(app, team.owner)
    v = theirs.current_version_id
    for method, path in (
        ("GET", f"/{theirs.id}"),
        ("GET", f"/{theirs.id}/versions/{v}"),
        ("GET", f"/{theirs.id}/versions/{v}/export"),
        ("GET", f"/{theirs.id}/edit"),
        ("POST", f"/{theirs.id}/edit"),
        ("POST", f"/{theirs.id}/clone"),
        ("POST", f"/{theirs.id}/archive"),
    ):
        assert http.open(url(team, path), method=method, data={}).status_code == 404, path
    # Their version under our SOP's URL is not found either.
    install_library(team.agency)
    db.session.commit()
    ours = sops_of(team.agency.id)[0]
    assert http.get(url(team, f"/{ours.id}/versions/{v}")).status_code == 404
    assert http.get(url(team)).get_data(as_text=True).count("data-sop-id=") == 7


def test_a_version_of_another_sop_is_not_found_under_this_one(app, team, library):
    http = web(app, team.va)
    a, b = library["client-onboarding"], library["monthly-social-media"]
    assert http.get(url(team, f"/{a.id}/versions/{b.current_version_id}")).status_code == 404


def test_user_text_is_escaped(app, team):
    http = web(app, team.owner)
    text = valid_yaml(title="<script>alert(1)</script>", description="<img src=x onerror=1>")
    resp = http.post(url(team, "/new"), data={"yaml": text})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    body = http.get(resp.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<img src=x" not in body


# --- editing -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_each_save_with_changes_is_a_new_version(app, team, library, role):
    http = web(app, getattr(team, role))
    sop = library["weekly-client-status-report"]
    form = http.get(url(team, f"/{sop.id}/edit"))
    assert form.status_code == 200
    v1 = sop.current_version
    assert 'name="base_version" value="1"' in form.get_data(as_text=True)

    same = http.post(url(team, f"/{sop.id}/edit"), data={"yaml": v1.yaml_text, "base_version": 1})
    assert same.status_code == 302
    assert len(versions_of(sop.id)) == 1
    assert "No changes" in http.get(same.headers["Location"]).get_data(as_text=True)

    changed = v1.yaml_text.replace('version: "1.0"', 'version: "1.1"').replace(
        "estimate_minutes: 25", "estimate_minutes: 35"
    )
    resp = http.post(url(team, f"/{sop.id}/edit"), data={"yaml": changed, "base_version": 1})
    assert resp.status_code == 302
    old, new = versions_of(sop.id)
    assert (new.number, new.label) == (2, "1.1")
    assert old.yaml_text == v1.yaml_text and old.definition == v1.definition
    sop = fetch_sop(sop.id)
    assert sop.current_version_id == new.id
    assert sop.source == "app"  # edited in the app: syncs leave it alone now
    page = http.get(url(team, f"/{sop.id}")).get_data(as_text=True)
    assert "Saved Weekly client status report as version 2." in page
    assert "35 min" in page
    old_page = http.get(url(team, f"/{sop.id}/versions/{old.id}")).get_data(as_text=True)
    assert 'data-testid="old-version"' in old_page and "25 min" in old_page
    with tenant(team.agency.id):
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity_id == sop.id)
        ).all()
    assert {"sop.version_created", "sop.detached"} <= set(actions)


def test_invalid_yaml_is_shown_beside_the_field_naming_the_path(app, team, library):
    http = web(app, team.owner)
    sop = library["daily-inbox-management"]
    bad = sop.current_version.yaml_text.replace("evidence: note", "evidence: screenshot", 1)
    resp = http.post(url(team, f"/{sop.id}/edit"), data={"yaml": bad, "base_version": 1})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'data-field-error="yaml"' in body
    assert "stages.2.items.0.evidence: Must be one of: none, link, file, note." in body
    assert "screenshot" in body  # the text is kept for fixing
    assert len(versions_of(sop.id)) == 1


def test_the_slug_cannot_change_on_edit(app, team, library):
    http = web(app, team.owner)
    sop = library["daily-inbox-management"]
    text = sop.current_version.yaml_text.replace(
        "slug: daily-inbox-management", "slug: inbox-daily"
    )
    resp = http.post(url(team, f"/{sop.id}/edit"), data={"yaml": text})
    assert resp.status_code == 422
    assert "slug: Must stay &#39;daily-inbox-management&#39;" in resp.get_data(as_text=True)


def test_a_save_over_a_newer_version_is_refused(app, team, library):
    http = web(app, team.owner)
    sop = library["daily-inbox-management"]
    text = sop.current_version.yaml_text
    first = text.replace('version: "1.0"', 'version: "1.1"')
    assert http.post(url(team, f"/{sop.id}/edit"), data={"yaml": first, "base_version": 1})
    second = text.replace('version: "1.0"', 'version: "1.2"')
    resp = http.post(url(team, f"/{sop.id}/edit"), data={"yaml": second, "base_version": 1})
    assert resp.status_code == 409
    assert "version 2 is current" in resp.get_data(as_text=True)
    assert [v.label for v in versions_of(sop.id)] == ["1.0", "1.1"]


def test_unknown_form_fields_are_refused(app, team, library):
    http = web(app, team.owner)
    sop = library["daily-inbox-management"]
    resp = http.post(
        url(team, f"/{sop.id}/edit"), data={"yaml": sop.current_version.yaml_text, "x": "1"}
    )
    assert resp.status_code == 422
    assert '<div class="invalid-feedback d-block" data-field-error="x">x: Unknown field.' in (
        resp.get_data(as_text=True)
    )
    assert len(versions_of(sop.id)) == 1


# --- creating, cloning, importing --------------------------------------------------------


def test_create_a_new_sop(app, team):
    http = web(app, team.manager)
    form = http.get(url(team, "/new")).get_data(as_text=True)
    assert "slug: my-new-sop" in form  # a starter that is itself valid
    resp = http.post(url(team, "/new"), data={"yaml": valid_yaml()})
    assert resp.status_code == 302
    (sop,) = sops_of(team.agency.id)
    assert (sop.slug, sop.title, sop.source) == ("test-sop", "Test SOP", "app")
    assert resp.headers["Location"].endswith(f"/sops/{sop.id}")
    (v1,) = versions_of(sop.id)
    assert v1.created_by_id == team.manager.user_id
    again = http.post(url(team, "/new"), data={"yaml": valid_yaml(title="Other")})
    assert again.status_code == 422
    assert "slug: An SOP with the slug &#39;test-sop&#39; already exists" in again.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("   ", "This field is required."),
        ("slug: a\nslug: b\n", "line 2, column 1: Not valid YAML: duplicate key"),
        ("!!python/object/apply:os.system ['id']", "tags (!something) are not allowed"),
        ("a: &x [1]\nb: *x\n", "aliases (*name) are not allowed"),
    ],
)
def test_create_refuses_bad_yaml(app, team, yaml, expected):
    http = web(app, team.owner)
    resp = http.post(url(team, "/new"), data={"yaml": yaml})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True).replace("&#39;", "'")
    assert 'data-field-error="yaml"' in body and expected in body
    assert sops_of(team.agency.id) == []


def test_clone_makes_a_new_sop_with_the_same_content(app, team, library):
    http = web(app, team.owner)
    source = library["client-onboarding"]
    form = http.get(url(team, f"/{source.id}/clone")).get_data(as_text=True)
    assert 'value="client-onboarding-copy"' in form
    resp = http.post(
        url(team, f"/{source.id}/clone"),
        data={"slug": "onboarding-retainers", "title": "Onboarding: retainer clients"},
    )
    assert resp.status_code == 302
    clone = next(s for s in sops_of(team.agency.id) if s.slug == "onboarding-retainers")
    assert (clone.title, clone.source) == ("Onboarding: retainer clients", "app")
    (v1,) = versions_of(clone.id)
    original = source.current_version.definition
    assert v1.definition == {**original, "slug": clone.slug, "title": clone.title}
    assert v1.yaml_text.startswith("# Client onboarding")  # comments kept
    dup = http.post(
        url(team, f"/{source.id}/clone"), data={"slug": "onboarding-retainers", "title": "X"}
    )
    assert dup.status_code == 422 and 'data-field-error="slug"' in dup.get_data(as_text=True)
    bad = http.post(url(team, f"/{source.id}/clone"), data={"slug": "Not A Slug", "title": "X"})
    assert bad.status_code == 422 and 'data-field-error="slug"' in bad.get_data(as_text=True)


def _upload(http, team, text: str | bytes, name: str = "my-sop.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return http.post(
        url(team, "/import"),
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_a_new_sop_then_a_new_version_of_it(app, team):
    http = web(app, team.owner)
    resp = _upload(http, team, valid_yaml())
    assert resp.status_code == 302
    (sop,) = sops_of(team.agency.id)
    assert "Imported Test SOP as a new SOP" in http.get(resp.headers["Location"]).get_data(
        as_text=True
    )
    assert _upload(http, team, valid_yaml()).status_code == 302
    assert len(versions_of(sop.id)) == 1  # unchanged file
    assert _upload(http, team, "\ufeff" + valid_yaml(version="2")).status_code == 302
    assert [v.label for v in versions_of(sop.id)] == ["1.0", "2"]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (None, "x.yaml", "Choose a .yaml file"),
        ("slug: x", "notes.txt", "notes.txt: Must be a .yaml file."),
        (b"\xff\xfe\x00bad", "bad.yaml", "bad.yaml: Not UTF-8 text"),
        (dump({**valid_data(), "roles": []}), "team.yaml", "team.yaml: roles: Name at least"),
        ("slug: [\n", "broken.yml", "broken.yml: line 2, column 1: Not valid YAML"),
    ],
)
def test_import_refuses_bad_files_naming_file_and_path(app, team, content, name, expected):
    http = web(app, team.owner)
    if content is None:
        resp = http.post(url(team, "/import"), data={}, content_type="multipart/form-data")
    else:
        resp = _upload(http, team, content, name)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'data-field-error="file"' in body and expected in body
    assert sops_of(team.agency.id) == []


def test_export_downloads_the_yaml_of_any_version(app, team, library):
    sop = library["monthly-social-media"]
    v1 = sop.current_version
    owner = web(app, team.owner)
    changed = v1.yaml_text.replace('version: "1.0"', 'version: "1.1"')
    owner.post(url(team, f"/{sop.id}/edit"), data={"yaml": changed})
    for http in (owner, web(app, team.va)):
        resp = http.get(url(team, f"/{sop.id}/versions/{v1.id}/export"))
        assert resp.status_code == 200
        assert resp.get_data(as_text=True) == v1.yaml_text
        assert resp.mimetype == "application/yaml"
        assert resp.headers["Content-Disposition"] == (
            'attachment; filename="monthly-social-media-v1.yaml"'
        )
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # An export imports back unchanged.
    assert _upload(owner, team, v1.yaml_text, "monthly-social-media-v1.yaml").status_code == 302
    assert fetch_sop(sop.id).current_version_id == v1.id


# --- archiving ---------------------------------------------------------------------------


def test_archived_sops_are_not_offered_for_new_work(app, team, library):
    http = web(app, team.manager)
    sop = library["month-end-bookkeeping-close"]
    assert http.post(url(team, f"/{sop.id}/archive")).status_code == 302
    assert fetch_sop(sop.id).archived_at is not None
    with tenant(team.agency.id):
        offered = [s.slug for s in active_sops_for_new_work(actor_of(team.va))]
    assert "month-end-bookkeeping-close" not in offered and len(offered) == 6
    listing = http.get(url(team)).get_data(as_text=True)
    assert 'data-testid="archived-sops"' in listing
    # Still readable (work in progress may follow it) and restorable.
    assert web(app, team.va).get(url(team, f"/{sop.id}")).status_code == 200
    assert http.post(url(team, f"/{sop.id}/archive")).status_code == 409
    assert http.post(url(team, f"/{sop.id}/unarchive")).status_code == 302
    with tenant(team.agency.id):
        assert len(active_sops_for_new_work(actor_of(team.va))) == 7
