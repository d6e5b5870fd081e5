"""HTML pages of the SOP library: the library, training pages with their version history,
and authoring (create, edit, clone, import, export, archive).

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.utils import secure_filename

from app.core.errors import Conflict, ValidationFailed, in_reader_language
from app.core.permissions import MANAGERS, STAFF, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext, lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.sops.downloads import yaml_download
from app.sops.file_format import MAX_YAML_CHARS, decode_upload
from app.sops.localize import lang_attrs, localized, localized_titles, translation_languages
from app.sops.models import EVIDENCE_KINDS, Sop, SopVersion
from app.sops.policy import (
    can_archive_sop,
    can_author_sops,
    can_clone_sop,
    can_edit_sop,
    can_export_sop,
)
from app.sops.queries import (
    get_sop_or_404,
    get_sop_version_or_404,
    library_query,
    sop_versions_query,
)
from app.sops.schemas import (
    SopCloneIn,
    SopCreateIn,
    SopFilterArgs,
    SopImportIn,
    SopUpdateIn,
)
from app.sops.services import (
    archive_sop,
    clone_sop,
    create_sop,
    import_sop,
    unarchive_sop,
    update_sop,
)

bp = Blueprint("sops", __name__, template_folder="templates")
# Every screen that shows SOP text reads it in the reader's language and marks fallbacks.
bp.add_app_template_global(lang_attrs)
bp.add_app_template_global(localized, "localized_sop")

EVIDENCE_LABELS = {
    "none": (lazy_gettext("No evidence"), "bi-check2"),
    "link": (lazy_gettext("Link"), "bi-link-45deg"),
    "file": (lazy_gettext("File"), "bi-paperclip"),
    "note": (lazy_gettext("Note"), "bi-card-text"),
}
LANGUAGE_NAMES = {
    "en": lazy_gettext("English"),
    "ar": lazy_gettext("Arabic"),
    "fr": lazy_gettext("French"),
}
STARTER_YAML = """\
# A new SOP. The format is described in sops/README.md.
slug: my-new-sop
title: My new SOP
version: "1.0"
description: >-
  What this procedure achieves, for whom, and when to run it.
roles: [va, qa]
client_approval: false
stages:
  - key: prepare
    title: Prepare
    due_offset_days: 1
    items:
      - key: gather_inputs
        text: Gather everything the work needs.
        required: true
        evidence: note
        estimate_minutes: 15
  - key: deliver
    title: Deliver
    due_offset_days: 3
    items:
      - key: deliverable_ready
        text: Link the finished deliverable.
        required: true
        evidence: link
        estimate_minutes: 60
rubric:
  - key: complete
    text: Every part of the request is done.
    kind: pass_fail
  - key: quality
    text: The work is accurate and on brand.
    kind: score
    pass_mark: 4
"""


def bdi(value: object) -> Markup:
    """Isolate a value that may be written left to right (a title, a number) inside a
    sentence that may be right to left."""
    return Markup("<bdi>{}</bdi>").format(value)


def language_list(codes: list[str]) -> str:
    """The names of languages, in the reader's language: "Arabic, French"."""
    return gettext(", ").join(str(LANGUAGE_NAMES.get(c, c)) for c in codes)


def code(value: object) -> Markup:
    """A field name or a value of the SOP format, as code, inside a translated sentence."""
    return Markup("<code>{}</code>").format(value)


@bp.context_processor
def _helpers() -> dict:
    return {
        "bdi": bdi,
        "code": code,
        "EVIDENCE_KINDS": EVIDENCE_KINDS,
        "EVIDENCE_LABELS": EVIDENCE_LABELS,
        "MAX_YAML_CHARS": MAX_YAML_CHARS,
        "language_list": language_list,
        "translation_languages": translation_languages,
    }


def _detail_url(sop: Sop) -> str:
    return url_for("sops.sop_detail", agency_slug=g.actor.agency.slug, sop_id=sop.id)


def _shown_title(sop: Sop) -> str:
    """The SOP's title in the reader's language (its current version's translation)."""
    if sop.current_version is None:
        return sop.title
    return localized_titles([(sop.id, sop.current_version.definition)])[sop.id]


def _saved_message(sop: Sop, outcome: str) -> str:
    number = sop.current_version.number if sop.current_version else 0
    title = _shown_title(sop)
    if outcome == "unchanged":
        return gettext(
            "No changes: %(title)s is still version %(number)s.", title=title, number=number
        )
    if outcome == "new_version":
        return gettext("Saved %(title)s as version %(number)s.", title=title, number=number)
    if outcome == "current_again":
        return gettext(
            "%(title)s matches version %(number)s again; it is current now.",
            title=title,
            number=number,
        )
    return gettext("Imported %(title)s as a new SOP (version 1).", title=title)


# --- the library -------------------------------------------------------------------------


@bp.get("/<agency_slug>/sops")
@roles(*STAFF)
def library(agency_slug: str) -> ResponseReturnValue:
    """Every SOP of the agency with its current version; archived ones listed apart."""
    raw = MultiDict(
        [(k, v) for k, v in request.args.items(multi=True) if k in ("q", "include_archived")]
    )
    errors: dict = {}
    try:
        filters = load_form(SopFilterArgs(), raw)
    except ValidationFailed as exc:
        errors, filters = exc.errors, {}
    sops = [] if errors else list(db.session.scalars(library_query(g.actor, q=filters.get("q"))))
    live = [s for s in sops if s.archived_at is None]
    archived = [s for s in sops if s.archived_at is not None]
    titles = localized_titles(
        (s.id, s.current_version.definition) for s in sops if s.current_version
    )
    return render_template(
        "sops/library.html",
        titles=titles,
        live=live,
        archived=archived,
        q=raw.get("q", ""),
        errors=errors,
        can_author=can_author_sops(g.actor),
    ), (422 if errors else 200)


# --- training pages ----------------------------------------------------------------------


def _render_version(sop: Sop, version: SopVersion | None) -> ResponseReturnValue:
    versions = list(db.session.scalars(sop_versions_query(g.actor, sop)))
    return render_template(
        "sops/detail.html",
        sop=sop,
        version=version,
        shown=localized(version.definition) if version else {},
        versions=versions,
        is_current=version is not None and version.id == sop.current_version_id,
        can_edit=can_edit_sop(g.actor, sop),
        can_clone=can_clone_sop(g.actor, sop),
        can_archive=can_archive_sop(g.actor, sop),
        can_export=can_export_sop(g.actor, sop),
    )


@bp.get("/<agency_slug>/sops/<int:sop_id>")
@roles(*STAFF)
def sop_detail(agency_slug: str, sop_id: int) -> ResponseReturnValue:
    """The training page of an SOP's current version."""
    sop = get_sop_or_404(g.actor, sop_id)
    return _render_version(sop, sop.current_version)


@bp.get("/<agency_slug>/sops/<int:sop_id>/versions/<int:version_id>")
@roles(*STAFF)
def version_detail(agency_slug: str, sop_id: int, version_id: int) -> ResponseReturnValue:
    """The training page of one version, current or not."""
    sop = get_sop_or_404(g.actor, sop_id)
    version = get_sop_version_or_404(g.actor, version_id, sop_id=sop.id)
    return _render_version(sop, version)


@bp.get("/<agency_slug>/sops/<int:sop_id>/versions/<int:version_id>/export")
@roles(*STAFF)
def export_version(agency_slug: str, sop_id: int, version_id: int) -> ResponseReturnValue:
    """The version's YAML as a download, exactly as it was saved."""
    sop = get_sop_or_404(g.actor, sop_id)
    version = get_sop_version_or_404(g.actor, version_id, sop_id=sop.id)
    _authorize(can_export_sop(g.actor, sop))
    return yaml_download(sop, version)


# --- authoring ---------------------------------------------------------------------------


@bp.route("/<agency_slug>/sops/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_sop(agency_slug: str) -> ResponseReturnValue:
    """Write a new SOP in YAML, starting from a small example."""
    _authorize(can_author_sops(g.actor))
    values: dict = {"yaml": STARTER_YAML}
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = load_form(SopCreateIn(), request.form)
            sop = create_sop(g.actor, data["yaml"])
            commit()
            flash(gettext("Created %(title)s (version 1).", title=sop.title), "success")
            return redirect(_detail_url(sop))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = in_reader_language(exc.errors)
    return render_template("sops/edit.html", sop=None, values=values, errors=errors), (
        422 if errors else 200
    )


@bp.route("/<agency_slug>/sops/<int:sop_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_sop(agency_slug: str, sop_id: int) -> ResponseReturnValue:
    """Edit the current version's YAML; a save with changes is the next version."""
    sop = get_sop_or_404(g.actor, sop_id)
    _authorize(can_edit_sop(g.actor, sop))
    current = sop.current_version
    values: dict = {
        "yaml": current.yaml_text if current else "",
        "base_version": current.number if current else None,
    }
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = load_form(SopUpdateIn(), request.form)
            _version, outcome = update_sop(
                g.actor, sop, data["yaml"], base_version=data.get("base_version")
            )
            commit()
            flash(_saved_message(sop, outcome), "success" if outcome != "unchanged" else "info")
            return redirect(_detail_url(sop))
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            errors = in_reader_language(exc.errors or {"_schema": [exc.message]})
            status = exc.status
    return render_template("sops/edit.html", sop=sop, values=values, errors=errors), status


@bp.route("/<agency_slug>/sops/<int:sop_id>/clone", methods=["GET", "POST"])
@roles(*MANAGERS)
def clone(agency_slug: str, sop_id: int) -> ResponseReturnValue:
    """A new SOP from this one's current version, under a new slug and title."""
    sop = get_sop_or_404(g.actor, sop_id)
    _authorize(can_clone_sop(g.actor, sop))
    values: dict = {"slug": f"{sop.slug}-copy"[:80], "title": f"{sop.title} (copy)"[:160]}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = load_form(SopCloneIn(), request.form)
            new = clone_sop(g.actor, sop, data)
            commit()
            flash(
                gettext("Cloned %(title)s as %(new)s.", title=sop.title, new=new.title), "success"
            )
            return redirect(_detail_url(new))
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            errors = in_reader_language(exc.errors or {"_schema": [exc.message]})
            status = exc.status
    return render_template("sops/clone.html", sop=sop, values=values, errors=errors), status


@bp.route("/<agency_slug>/sops/import", methods=["GET", "POST"])
@roles(*MANAGERS)
def import_file(agency_slug: str) -> ResponseReturnValue:
    """Upload a YAML file: a new SOP, or the next version of the SOP with its slug."""
    _authorize(can_author_sops(g.actor))
    errors: dict = {}
    if request.method == "POST":
        try:
            load_form(SopImportIn(), request.form)
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise ValidationFailed({"file": [gettext("Choose a .yaml file to import.")]})
            filename = secure_filename(upload.filename) or "upload.yaml"
            if not filename.lower().endswith((".yaml", ".yml")):
                raise ValidationFailed(
                    {"file": [gettext("%(file)s: Must be a .yaml file.", file=filename)]}
                )
            text = decode_upload(upload.read(MAX_YAML_CHARS * 4 + 1), source=filename)
            sop, outcome = import_sop(g.actor, text, filename=filename)
            commit()
            flash(_saved_message(sop, outcome), "success" if outcome != "unchanged" else "info")
            return redirect(_detail_url(sop))
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            errors = in_reader_language(exc.errors or {"_schema": [exc.message]})
    return render_template("sops/import.html", errors=errors), (422 if errors else 200)


@bp.post("/<agency_slug>/sops/<int:sop_id>/archive")
@roles(*MANAGERS)
def archive(agency_slug: str, sop_id: int) -> ResponseReturnValue:
    """No longer offered for new work; work already following it carries on."""
    sop = get_sop_or_404(g.actor, sop_id)
    _authorize(can_archive_sop(g.actor, sop))
    archive_sop(g.actor, sop)
    commit()
    flash(
        gettext(
            "%(title)s archived: it is no longer offered for new work.", title=_shown_title(sop)
        ),
        "success",
    )
    return redirect(_detail_url(sop))


@bp.post("/<agency_slug>/sops/<int:sop_id>/unarchive")
@roles(*MANAGERS)
def unarchive(agency_slug: str, sop_id: int) -> ResponseReturnValue:
    """Offered for new work again."""
    sop = get_sop_or_404(g.actor, sop_id)
    _authorize(can_archive_sop(g.actor, sop))
    unarchive_sop(g.actor, sop)
    commit()
    flash(
        gettext("%(title)s restored: it is offered for new work again.", title=_shown_title(sop)),
        "success",
    )
    return redirect(_detail_url(sop))
