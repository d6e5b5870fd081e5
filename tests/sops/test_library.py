"""The shipped SOP library and `flask sops sync`: the six SOPs load, a sync is idempotent, a
changed file makes a new version while the old one stays exactly as it was, work in progress
keeps its version, invalid files change nothing and exit with status 2, and saved versions
cannot be modified at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.sops.file_format import parse_sop
from app.sops.models import ImmutableVersion, Sop, SopVersion
from app.sops.queries import active_sops_for_new_work
from app.sops.services import LIBRARY_DIR, install_library, load_library, update_sop
from app.work.models import WorkItem
from tests.factories import AgencyFactory, ClientFactory
from tests.sops.support import actor_of, fetch_sop, sops_of, versions_of

SHIPPED = {
    "client-onboarding",
    "monthly-social-media",
    "daily-inbox-management",
    "month-end-bookkeeping-close",
    "weekly-client-status-report",
    "subcontractor-va-onboarding",
    "client-follow-up",
}


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    """A copy of the shipped library that a test may change."""
    folder = tmp_path / "sops"
    folder.mkdir()
    for path in LIBRARY_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def sync(app, *args: str):
    return app.test_cli_runner().invoke(args=["sops", "sync", *args])


# --- the shipped SOPs --------------------------------------------------------------------


def test_the_six_shipped_sops_are_valid():
    library = load_library()
    assert not library.invalid, [line for bad in library.invalid for line in bad.lines()]
    assert {p.slug for p in library.files} >= SHIPPED
    assert (LIBRARY_DIR / "README.md").is_file()
    for parsed in library.files:
        d = parsed.definition
        items = [i for s in d["stages"] for i in s["items"]]
        assert len(d["stages"]) >= 2 and len(items) >= 5 and len(d["rubric"]) >= 3, d["slug"]
        assert any(i["evidence"] != "none" for i in items), d["slug"]
        assert all(i["estimate_minutes"] > 0 for i in items)


def test_shipped_sops_follow_the_brief():
    by_slug = {p.slug: p.definition for p in load_library().files}
    onboarding = [s["key"] for s in by_slug["client-onboarding"]["stages"]]
    assert onboarding == ["discovery", "contract", "intake", "tool_access", "welcome"]
    social = by_slug["monthly-social-media"]
    assert [s["title"] for s in social["stages"]] == [
        "Client brief",
        "Content ideas",
        "Content creation",
        "Client approval of the content",
        "Scheduling",
        "Performance tracking",
        "Monthly report",
    ]
    assert social["client_approval"] is True
    assert by_slug["daily-inbox-management"]["client_approval"] is False
    assert by_slug["month-end-bookkeeping-close"]["client_approval"] is True


# --- flask sops check / sync -------------------------------------------------------------


def test_check_validates_without_writing(app):
    result = app.test_cli_runner().invoke(args=["sops", "check"])
    assert result.exit_code == 0, result.output
    assert "7 valid, 0 invalid SOP files." in result.output


def test_sync_loads_every_file_into_every_agency_and_is_idempotent(app, library_dir):
    a, b = AgencyFactory(), AgencyFactory()
    first = sync(app, "--dir", str(library_dir))
    assert first.exit_code == 0, first.output
    assert f"{a.slug}: 0 unchanged, 7 changed" in first.output
    assert "client-onboarding: created as version 1" in first.output
    for agency in (a, b):
        sops = sops_of(agency.id)
        assert {s.slug for s in sops} == SHIPPED
        assert all(s.source == "file" and s.current_version_id for s in sops)
    before = {s.id: s.current_version_id for s in sops_of(a.id)}
    with all_tenants():
        n_versions = db.session.scalar(sa.select(sa.func.count()).select_from(SopVersion))

    second = sync(app, "--dir", str(library_dir))
    assert second.exit_code == 0, second.output
    assert f"{a.slug}: 7 unchanged, 0 changed" in second.output
    assert {s.id: s.current_version_id for s in sops_of(a.id)} == before
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SopVersion)) == n_versions


def test_a_changed_file_makes_the_next_version_and_the_old_one_stays(app, library_dir):
    agency = AgencyFactory()
    assert sync(app, "--dir", str(library_dir)).exit_code == 0
    sop = next(s for s in sops_of(agency.id) if s.slug == "weekly-client-status-report")
    (v1,) = versions_of(sop.id)
    v1_definition, v1_yaml, v1_hash = dict(v1.definition), v1.yaml_text, v1.content_hash

    path = library_dir / "weekly-client-status-report.yaml"
    path.write_text(
        path.read_text()
        .replace('version: "1.0"', 'version: "1.1"')
        .replace("estimate_minutes: 25", "estimate_minutes: 30")
    )
    result = sync(app, "--dir", str(library_dir), "--agency", agency.slug)
    assert result.exit_code == 0, result.output
    assert "weekly-client-status-report: version 2 saved (changed file)" in result.output

    old, new = versions_of(sop.id)
    assert fetch_sop(sop.id).current_version_id == new.id
    assert (new.number, new.label) == (2, "1.1")
    assert (old.definition, old.yaml_text, old.content_hash) == (v1_definition, v1_yaml, v1_hash)
    assert new.content_hash != v1_hash
    # A comment-only change is the same content: nothing new.
    path.write_text("# reviewed again\n" + path.read_text())
    assert "7 unchanged" in sync(app, "--dir", str(library_dir)).output
    assert len(versions_of(sop.id)) == 2
    with tenant(agency.id):
        events = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity_id == sop.id)
        ).all()
    assert events.count("sop.version_created") == 1


def test_work_in_progress_keeps_the_version_it_started_with(app, library_dir):
    agency = AgencyFactory()
    assert sync(app, "--dir", str(library_dir)).exit_code == 0
    sop = next(s for s in sops_of(agency.id) if s.slug == "daily-inbox-management")
    client = ClientFactory(agency=agency)
    with tenant(agency.id):
        item = WorkItem(
            client_id=client.id,
            sop_version_id=sop.current_version_id,
            title="Inbox, Monday",
            state="in_progress",
        )
        db.session.add(item)
        db.session.flush()
        item_id, v1_id = item.id, sop.current_version_id

    path = library_dir / "daily-inbox-management.yaml"
    path.write_text(path.read_text().replace("estimate_minutes: 45", "estimate_minutes: 50"))
    assert sync(app, "--dir", str(library_dir)).exit_code == 0

    assert fetch_sop(sop.id).current_version_id != v1_id
    with tenant(agency.id):
        item = db.session.get(WorkItem, item_id)
        assert item.sop_version_id == v1_id
        assert item.sop_version.number == 1
        items = [i for s in item.sop_version.definition["stages"] for i in s["items"]]
        assert any(i["estimate_minutes"] == 45 for i in items)


def test_invalid_files_are_reported_change_nothing_and_exit_2(app, library_dir):
    agency = AgencyFactory()
    assert sync(app, "--dir", str(library_dir)).exit_code == 0
    before = {s.slug: s.current_version_id for s in sops_of(agency.id)}

    onboarding = library_dir / "client-onboarding.yaml"
    onboarding.write_text(
        onboarding.read_text()
        .replace("evidence: file", "evidence: scan", 1)
        .replace("kind: score", "kind: stars", 1)
    )
    (library_dir / "broken.yaml").write_text("slug: [oops\n")
    social = library_dir / "monthly-social-media.yaml"
    social.write_text(social.read_text().replace('version: "1.0"', 'version: "1.1"'))

    result = sync(app, "--dir", str(library_dir))
    assert result.exit_code == 2, result.output
    errors = result.stderr if hasattr(result, "stderr") else result.output
    assert (
        "sops/client-onboarding.yaml: stages.1.items.1.evidence: "
        "Must be one of: none, link, file, note." in errors
    )
    assert "sops/client-onboarding.yaml: rubric.3.kind: Must be one of: pass_fail, score." in errors
    assert "sops/broken.yaml: line 2, column 1: Not valid YAML" in errors
    after = {s.slug: s.current_version_id for s in sops_of(agency.id)}
    assert after["client-onboarding"] == before["client-onboarding"]
    # The valid files were still loaded.
    assert after["monthly-social-media"] != before["monthly-social-media"]
    assert "7 SOP files loaded" not in result.output and "6 SOP files loaded" in result.output


def test_a_file_must_be_named_after_its_slug(app, library_dir):
    (library_dir / "copy.yaml").write_text((library_dir / "client-onboarding.yaml").read_text())
    result = app.test_cli_runner().invoke(args=["sops", "check", "--dir", str(library_dir)])
    assert result.exit_code == 2
    assert "sops/copy.yaml: slug: Must be the file's name, 'copy'." in result.output


def test_sync_of_one_agency_leaves_the_others_alone(app, library_dir):
    a, b = AgencyFactory(), AgencyFactory()
    result = sync(app, "--dir", str(library_dir), "--agency", b.slug)
    assert result.exit_code == 0, result.output
    assert sops_of(a.id) == [] and len(sops_of(b.id)) == 7
    assert sync(app, "--agency", "no-such-agency").exit_code != 0


def test_an_sop_edited_in_the_app_no_longer_follows_its_file(app, team, library_dir):
    assert sync(app, "--dir", str(library_dir), "--agency", team.slug).exit_code == 0
    sop = next(s for s in sops_of(team.agency.id) if s.slug == "client-onboarding")
    with tenant(team.agency.id):
        sop = db.session.get(Sop, sop.id)
        text = sop.current_version.yaml_text.replace('version: "1.0"', 'version: "1.0-ours"')
        _, outcome = update_sop(actor_of(team.owner), sop, text)
        db.session.commit()
    assert outcome == "new_version"
    assert fetch_sop(sop.id).source == "app"
    path = library_dir / "client-onboarding.yaml"
    path.write_text(path.read_text().replace('version: "1.0"', 'version: "2.0"'))
    result = sync(app, "--dir", str(library_dir), "--agency", team.slug)
    assert "client-onboarding: skipped: edited in the app" in result.output
    assert [v.label for v in versions_of(sop.id)] == ["1.0", "1.0-ours"]


def test_a_file_put_back_makes_its_earlier_version_current_again(app, library_dir):
    agency = AgencyFactory()
    sync(app, "--dir", str(library_dir))
    path = library_dir / "weekly-client-status-report.yaml"
    original = path.read_text()
    path.write_text(original.replace('version: "1.0"', 'version: "1.1"'))
    sync(app, "--dir", str(library_dir))
    path.write_text(original)
    result = sync(app, "--dir", str(library_dir))
    assert "weekly-client-status-report: version 1 is current again" in result.output
    sop = next(s for s in sops_of(agency.id) if s.slug == "weekly-client-status-report")
    v1, v2 = versions_of(sop.id)
    assert fetch_sop(sop.id).current_version_id == v1.id and v2.number == 2


# --- immutability ------------------------------------------------------------------------


def test_a_saved_version_cannot_be_changed_or_deleted(app):
    agency = AgencyFactory()
    install_library(agency)
    db.session.commit()  # into the test's outer transaction: survives the rollbacks below
    with tenant(agency.id):
        version = db.session.scalars(sa.select(SopVersion)).first()
        version.definition = {**version.definition, "title": "Rewritten history"}
        with pytest.raises(ImmutableVersion):
            db.session.flush()
        db.session.rollback()
    with tenant(agency.id):
        version = db.session.scalars(sa.select(SopVersion)).first()
        version.yaml_text = "slug: x\n"
        with pytest.raises(ImmutableVersion):
            db.session.flush()
        db.session.rollback()
    with tenant(agency.id):
        with pytest.raises(ImmutableVersion):
            db.session.execute(sa.update(SopVersion).values(yaml_text="x"))
        version = db.session.scalars(sa.select(SopVersion)).first()
        db.session.delete(version)
        with pytest.raises(ImmutableVersion):
            db.session.flush()
        db.session.rollback()


# --- the library of a new agency ---------------------------------------------------------


def test_sign_up_installs_the_shipped_library(app):
    from app.users.services import signup

    _, agency, membership = signup(
        {
            "email": "founder@new-agency.test",
            "name": "Founder",
            "password": "a-long-enough-password",
            "agency_name": "Fresh Agency",
            "time_zone": "Europe/Paris",
        }
    )
    db.session.flush()
    sops = sops_of(agency.id)
    assert {s.slug for s in sops} == SHIPPED
    assert all(s.source == "file" for s in sops)
    with tenant(agency.id):
        offered = active_sops_for_new_work(actor_of(membership))
        assert [s.title for s in offered] == sorted(s.title for s in sops)
        assert all(s.current_version.number == 1 for s in offered)
        installed = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "sop.installed")
        ).all()
        assert len(installed) == 7


def test_install_skips_invalid_files_instead_of_failing(app, library_dir, caplog):
    (library_dir / "broken.yaml").write_text("slug: [oops\n")
    agency = AgencyFactory()
    outcomes = install_library(agency, library=load_library(library_dir))
    assert len(outcomes) == 7
    assert "broken.yaml" in caplog.text


def test_the_readme_documents_every_field_and_its_example_is_valid():
    import re

    from app.sops.definition import ItemDefinition, RubricCriterion, SopDefinition, StageDefinition

    text = (LIBRARY_DIR / "README.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    assert parse_sop(example, source="sops/README.md").slug == "newsletter"
    for schema in (SopDefinition, StageDefinition, ItemDefinition, RubricCriterion):
        for name in schema().fields:
            assert f"`{name}`" in text, f"{schema.__name__}.{name} is not documented"
    for value in ("none", "link", "file", "note", "pass_fail", "score"):
        assert f"`{value}`" in text
