"""Write side of SOPs: versions by content hash, authoring in the app, and the file library.

Services take the actor explicitly, flush but never commit, and record an audit event for
every change. Saving a definition whose hash is the current version's changes nothing;
a new hash makes version n+1 and the current one; a hash the SOP had before makes that
older version current again (versions are immutable and unique per hash). Work items point
at a version, never at the SOP, so work in progress keeps the version it started with.

SOPs loaded from `sops/*.yaml` have source "file" and follow the files on every sync.
Editing one in the app (or importing over it) hands it to the agency: its source becomes
"app" and later syncs leave it alone (clone it instead to keep receiving updates).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from app.audit.services import record
from app.core.catalogues import N_
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.core.translation import gettext
from app.extensions import db
from app.sops.definition import Problem, SopInvalid, say
from app.sops.file_format import ParsedSop, parse_sop, retitle_yaml
from app.sops.models import Sop, SopVersion
from app.sops.queries import find_sop_by_slug

log = logging.getLogger("baton.sops")

LIBRARY_DIR = Path(__file__).resolve().parents[2] / "sops"
SOP_FIELDS = ("slug", "title", "source", "current_version_id", "archived_at")


# --- versions ------------------------------------------------------------------------------


def _lock(sop: Sop) -> None:
    """Serialise version saves per SOP, so two saves cannot both take number n+1."""
    db.session.execute(sa.select(Sop.id).where(Sop.id == sop.id).with_for_update())


def _version_summary(version: SopVersion) -> dict:
    return {
        "version_id": version.id,
        "number": version.number,
        "label": version.label,
        "content_hash": version.content_hash,
    }


def _save_version(actor: Actor, sop: Sop, parsed: ParsedSop) -> tuple[SopVersion | None, str]:
    """Make `parsed` the SOP's current version. Returns (version, outcome): outcome is
    "unchanged" (version None), "new_version", or "current_again" (an older version with
    the same content became current)."""
    _lock(sop)
    current = sop.current_version
    if current is not None and current.content_hash == parsed.content_hash:
        return None, "unchanged"
    before = {"current_version_id": sop.current_version_id, "title": sop.title}
    earlier = db.session.scalar(
        sa.select(SopVersion).where(
            SopVersion.sop_id == sop.id, SopVersion.content_hash == parsed.content_hash
        )
    )
    if earlier is not None:
        sop.current_version = earlier
        sop.title = earlier.definition["title"]
        db.session.flush()
        record(
            actor,
            "sop.version_current",
            sop,
            summary=f"SOP {sop.title}: version {earlier.number} is current again",
            before=before,
            after={"current_version_id": earlier.id, "title": sop.title},
        )
        return earlier, "current_again"
    number = (
        db.session.scalar(
            sa.select(sa.func.max(SopVersion.number)).where(SopVersion.sop_id == sop.id)
        )
        or 0
    ) + 1
    version = SopVersion(
        sop_id=sop.id,
        number=number,
        content_hash=parsed.content_hash,
        definition=parsed.definition,
        yaml_text=parsed.yaml_text,
        created_by_id=actor.user_id,
    )
    db.session.add(version)
    db.session.flush()
    sop.current_version = version
    sop.title = parsed.title
    db.session.flush()
    record(
        actor,
        "sop.version_created",
        sop,
        summary=f"SOP {sop.title}: version {number} saved",
        before=before,
        after={**_version_summary(version), "title": sop.title},
    )
    return version, "new_version"


def _new_sop(actor: Actor, parsed: ParsedSop, *, source: str, action: str, summary: str) -> Sop:
    """A new SOP with `parsed` as its version 1 (one audit event says both)."""
    sop = Sop(slug=parsed.slug, title=parsed.title, source=source)
    db.session.add(sop)
    db.session.flush()
    version = SopVersion(
        sop_id=sop.id,
        number=1,
        content_hash=parsed.content_hash,
        definition=parsed.definition,
        yaml_text=parsed.yaml_text,
        created_by_id=actor.user_id,
    )
    db.session.add(version)
    db.session.flush()
    sop.current_version = version
    db.session.flush()
    record(
        actor,
        action,
        sop,
        summary=summary,
        after={"slug": sop.slug, "title": sop.title, "source": source, **_version_summary(version)},
    )
    return sop


def _slug_taken(slug: str) -> SopInvalid:
    return SopInvalid(
        [
            Problem(
                "slug",
                say(
                    N_("An SOP with the slug {slug} already exists; choose another slug."),
                    slug=repr(slug),
                ),
            )
        ]
    )


# --- authoring in the app ------------------------------------------------------------------


def create_sop(actor: Actor, yaml_text: str) -> Sop:
    """A new SOP from YAML text (its version 1); the slug must be new in the agency."""
    parsed = parse_sop(yaml_text)
    if find_sop_by_slug(parsed.slug) is not None:
        raise _slug_taken(parsed.slug)
    return _new_sop(
        actor, parsed, source="app", action="sop.created", summary=f"SOP {parsed.title} created"
    )


def update_sop(
    actor: Actor,
    sop: Sop,
    yaml_text: str,
    *,
    base_version: int | None = None,
    field: str = "yaml",
    source: str | None = None,
) -> tuple[SopVersion | None, str]:
    """Save edited YAML as the SOP's next version (see `_save_version` for the outcomes).
    The slug cannot change (clone the SOP for a new one). With `base_version`, an SOP that
    moved on since that version was read is a conflict, not a silent overwrite."""
    parsed = parse_sop(yaml_text, source=source, field=field)
    if parsed.slug != sop.slug:
        raise SopInvalid(
            [
                Problem(
                    "slug",
                    say(
                        N_(
                            "Must stay {slug}: the slug names this SOP. Clone it to make an "
                            "SOP with another slug."
                        ),
                        slug=repr(sop.slug),
                    ),
                )
            ],
            source=source,
            field=field,
        )
    current_number = sop.current_version.number if sop.current_version else None
    if base_version is not None and current_number is not None and base_version != current_number:
        raise Conflict(
            gettext(
                "This SOP changed while you were editing: version %(current)s is current, "
                "you edited version %(edited)s. Reload it and apply your changes again.",
                current=current_number,
                edited=base_version,
            )
        )
    version, outcome = _save_version(actor, sop, parsed)
    if outcome != "unchanged" and sop.source == "file":
        sop.source = "app"
        db.session.flush()
        record(
            actor,
            "sop.detached",
            sop,
            summary=f"SOP {sop.title} edited in the app; file syncs no longer change it",
            before={"source": "file"},
            after={"source": "app"},
        )
    return version, outcome


def import_sop(actor: Actor, yaml_text: str, *, filename: str | None = None) -> tuple[Sop, str]:
    """An uploaded YAML file: a new SOP, or the next version of the SOP with its slug.
    Returns (sop, outcome): "created", "unchanged", "new_version" or "current_again"."""
    parsed = parse_sop(yaml_text, source=filename, field="file")
    sop = find_sop_by_slug(parsed.slug)
    if sop is None:
        sop = _new_sop(
            actor,
            parsed,
            source="app",
            action="sop.imported",
            summary=f"SOP {parsed.title} imported" + (f" from {filename}" if filename else ""),
        )
        return sop, "created"
    _, outcome = update_sop(actor, sop, yaml_text, field="file", source=filename)
    return sop, outcome


def clone_sop(actor: Actor, sop: Sop, data: dict) -> Sop:
    """A new SOP (source "app", version 1) with the current version's content under a new
    slug and title; the YAML keeps its comments where it can."""
    current = sop.current_version
    if current is None:
        raise Conflict(gettext("This SOP has no version to clone yet."))
    if find_sop_by_slug(data["slug"]) is not None:
        raise ValidationFailed(
            {"slug": [gettext("An SOP with the slug %(slug)r already exists.", slug=data["slug"])]}
        )
    text = retitle_yaml(current.yaml_text, current.definition, data["slug"], data["title"])
    parsed = parse_sop(text)
    return _new_sop(
        actor,
        parsed,
        source="app",
        action="sop.cloned",
        summary=f"SOP {parsed.title} cloned from {sop.title} (version {current.number})",
    )


def archive_sop(actor: Actor, sop: Sop) -> Sop:
    """Archived SOPs are not offered for new work; work already using them carries on."""
    if sop.archived_at is not None:
        raise Conflict(gettext("This SOP is already archived."))
    sop.archived_at = utcnow()
    db.session.flush()
    record(
        actor,
        "sop.archived",
        sop,
        summary=f"SOP {sop.title} archived",
        before={"archived_at": None},
        after={"archived_at": sop.archived_at},
    )
    return sop


def unarchive_sop(actor: Actor, sop: Sop) -> Sop:
    if sop.archived_at is None:
        raise Conflict(gettext("This SOP is not archived."))
    before = {"archived_at": sop.archived_at}
    sop.archived_at = None
    db.session.flush()
    record(
        actor,
        "sop.unarchived",
        sop,
        summary=f"SOP {sop.title} restored from the archive",
        before=before,
        after={"archived_at": None},
    )
    return sop


# --- the file library ----------------------------------------------------------------------


@dataclass
class Library:
    """The SOP files of a folder: the valid ones parsed, the invalid ones with problems."""

    files: list[ParsedSop] = field(default_factory=list)
    invalid: list[SopInvalid] = field(default_factory=list)


def load_library(directory: Path | None = None) -> Library:
    """Read and validate every `*.yaml` of the folder (default: the repository's `sops/`).
    A file's slug must be its name (client-onboarding.yaml -> client-onboarding)."""
    directory = Path(directory or LIBRARY_DIR)
    library = Library()
    for path in sorted(directory.glob("*.yaml")):
        name = f"{directory.name}/{path.name}"
        try:
            parsed = parse_sop(path.read_text(encoding="utf-8"), source=name)
        except SopInvalid as exc:
            library.invalid.append(exc)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            library.invalid.append(SopInvalid([Problem("", f"Cannot read: {exc}")], source=name))
            continue
        if parsed.slug != path.stem:
            library.invalid.append(
                SopInvalid(
                    [Problem("slug", f"Must be the file's name, {path.stem!r}.")], source=name
                )
            )
            continue
        library.files.append(parsed)
    return library


@dataclass(frozen=True)
class SyncOutcome:
    slug: str
    outcome: str  # created, new_version, current_again, unchanged, skipped
    number: int | None = None

    def __str__(self) -> str:
        text = {
            "created": "created as version 1",
            "new_version": f"version {self.number} saved (changed file)",
            "current_again": f"version {self.number} is current again",
            "unchanged": f"unchanged (version {self.number})",
            "skipped": "skipped: edited in the app, so the file no longer applies",
        }[self.outcome]
        return f"{self.slug}: {text}"


def sync_library_file(actor: Actor, parsed: ParsedSop) -> SyncOutcome:
    """Load one library file into the actor's agency as a version of its SOP."""
    sop = find_sop_by_slug(parsed.slug)
    if sop is None:
        sop = _new_sop(
            actor,
            parsed,
            source="file",
            action="sop.installed",
            summary=f"SOP {parsed.title} installed from {parsed.source}",
        )
        return SyncOutcome(sop.slug, "created", 1)
    if sop.source != "file":
        current = sop.current_version
        return SyncOutcome(sop.slug, "skipped", current.number if current else None)
    _, outcome = _save_version(actor, sop, parsed)
    current = sop.current_version
    return SyncOutcome(sop.slug, outcome, current.number if current else None)


def sync_library(actor: Actor, library: Library) -> list[SyncOutcome]:
    """Load every valid library file into the actor's agency (flushes, never commits)."""
    return [sync_library_file(actor, parsed) for parsed in library.files]


def install_library(
    agency: object, actor: Actor | None = None, *, library: Library | None = None
) -> list[SyncOutcome]:
    """Give an agency the shipped SOP library (sign-up, the demo seed). Runs as that
    agency; invalid files are skipped with a warning rather than failing a sign-up."""
    library = library or load_library()
    for bad in library.invalid:
        log.warning("SOP file not installed: %s", "; ".join(bad.lines()))
    actor = actor or Actor(user=None, agency=agency, via="system")
    with tenant(agency.id):  # type: ignore[attr-defined]
        outcomes = sync_library(actor, library)
        db.session.flush()  # as this agency: its audit events too
    return outcomes
