"""JSON API of the SOP library: SOPs, their immutable versions, YAML in and out.

Routes with an id load the object first (`loads`), before the body or query string is
parsed, so another agency's id is a 404 whatever the body holds. YAML bodies are validated
by the same schema as the files and the app: a 422 lists every problem by its path, under
`errors.yaml`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.pagination import paginate
from app.core.permissions import MANAGERS, STAFF, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import PageArgs, file_response
from app.core.uow import commit
from app.sops.downloads import yaml_download
from app.sops.models import Sop, SopVersion
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
    sop_page,
    sop_versions_query,
)
from app.sops.schemas import (
    SopCloneIn,
    SopCreateIn,
    SopDetailOut,
    SopFilterArgs,
    SopPageOut,
    SopUpdateIn,
    SopVersionOut,
    SopVersionPageOut,
)
from app.sops.services import (
    archive_sop,
    clone_sop,
    create_sop,
    import_sop,
    unarchive_sop,
    update_sop,
)

blp = Blueprint(
    "sops_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="SOPs (standard operating procedures) and their immutable versions",
)


def loads_sop(fn: Callable) -> Callable:
    """Replace the URL's `sop_id` (and `version_id`, which must be a version of that SOP)
    with the objects, or their 404, before any argument parsing."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sop = get_sop_or_404(g.actor, kwargs.pop("sop_id"))
        kwargs["sop"] = sop
        if "version_id" in kwargs:
            kwargs["version"] = get_sop_version_or_404(
                g.actor, kwargs.pop("version_id"), sop_id=sop.id
            )
        return fn(*args, **kwargs)

    return wrapper


@blp.route("/sops")
class SopsResource(MethodView):
    @roles(*STAFF)
    @blp.arguments(SopFilterArgs, location="query")
    @blp.response(200, SopPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """The SOP library by title, each SOP with a summary of its current version;
        archived SOPs only with `include_archived=true`. Client contacts may not read it."""
        page = sop_page(g.actor, args)
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @blp.arguments(SopCreateIn)
    @blp.response(201, SopDetailOut)
    def post(self, data: dict, agency_slug: str) -> Sop:
        """Create an SOP from YAML text (owners and managers): its version 1. The slug in
        the YAML must be new in the agency. Invalid YAML: 422 naming each problem's path."""
        _authorize(can_author_sops(g.actor))
        sop = create_sop(g.actor, data["yaml"])
        commit()
        return sop


@blp.route("/sops/import")
class SopImport(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(SopCreateIn)
    @blp.response(200, SopDetailOut)
    def post(self, data: dict, agency_slug: str) -> Sop:
        """Import YAML text (owners and managers): a new SOP when its slug is new, else
        the next version of the SOP with that slug (unchanged text changes nothing)."""
        _authorize(can_author_sops(g.actor))
        sop, _ = import_sop(g.actor, data["yaml"])
        commit()
        return sop


@blp.route("/sops/<int:sop_id>")
class SopResource(MethodView):
    @roles(*STAFF)
    @loads_sop
    @blp.response(200, SopDetailOut)
    def get(self, agency_slug: str, sop: Sop) -> Sop:
        """One SOP with its current version's full definition and YAML."""
        return sop

    @roles(*MANAGERS)
    @loads_sop
    @blp.arguments(SopUpdateIn)
    @blp.response(200, SopDetailOut)
    def put(self, data: dict, agency_slug: str, sop: Sop) -> Sop:
        """Save new YAML for an SOP (owners and managers). A change makes the next version
        and the current one; no change makes nothing; content equal to an older version
        makes that version current again. The slug cannot change (422). With
        `base_version`, a save over a newer version is refused (409)."""
        _authorize(can_edit_sop(g.actor, sop))
        update_sop(g.actor, sop, data["yaml"], base_version=data.get("base_version"))
        commit()
        return sop


@blp.route("/sops/<int:sop_id>/clone")
class SopClone(MethodView):
    @roles(*MANAGERS)
    @loads_sop
    @blp.arguments(SopCloneIn)
    @blp.response(201, SopDetailOut)
    def post(self, data: dict, agency_slug: str, sop: Sop) -> Sop:
        """A new SOP (version 1) with the current version's content under a new slug and
        title (owners and managers)."""
        _authorize(can_clone_sop(g.actor, sop))
        new = clone_sop(g.actor, sop, data)
        commit()
        return new


@blp.route("/sops/<int:sop_id>/archive")
class SopArchive(MethodView):
    @roles(*MANAGERS)
    @loads_sop
    @blp.response(200, SopDetailOut)
    def post(self, agency_slug: str, sop: Sop) -> Sop:
        """Archive an SOP: no longer offered for new work (409 if already archived)."""
        _authorize(can_archive_sop(g.actor, sop))
        archive_sop(g.actor, sop)
        commit()
        return sop


@blp.route("/sops/<int:sop_id>/unarchive")
class SopUnarchive(MethodView):
    @roles(*MANAGERS)
    @loads_sop
    @blp.response(200, SopDetailOut)
    def post(self, agency_slug: str, sop: Sop) -> Sop:
        """Offer an archived SOP for new work again (409 if it is not archived)."""
        _authorize(can_archive_sop(g.actor, sop))
        unarchive_sop(g.actor, sop)
        commit()
        return sop


@blp.route("/sops/<int:sop_id>/versions")
class SopVersions(MethodView):
    @roles(*STAFF)
    @loads_sop
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, SopVersionPageOut)
    def get(self, args: dict, agency_slug: str, sop: Sop) -> dict:
        """An SOP's versions, newest first (summaries; read one for its definition)."""
        page = paginate(sop_versions_query(g.actor, sop), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/sops/<int:sop_id>/versions/<int:version_id>")
class SopVersionResource(MethodView):
    @roles(*STAFF)
    @loads_sop
    @blp.response(200, SopVersionOut)
    def get(self, agency_slug: str, sop: Sop, version: SopVersion) -> SopVersion:
        """One version of an SOP with its definition and YAML (versions never change)."""
        return version


@blp.route("/sops/<int:sop_id>/versions/<int:version_id>/export")
class SopVersionExport(MethodView):
    @roles(*STAFF)
    @loads_sop
    @blp.doc(responses={"200": file_response(
        "The version's YAML exactly as saved, as an attachment <slug>-v<number>.yaml "
        "(an SOP definition: see sops/README.md).",
        "application/yaml", schema={"type": "object"})})  # fmt: skip
    def get(self, agency_slug: str, sop: Sop, version: SopVersion) -> Response:
        """Download one version as a YAML file (importable here or in another agency)."""
        _authorize(can_export_sop(g.actor, sop))
        return yaml_download(sop, version)
