"""JSON API of suggestions: VAs ranked for a client (optional SOP and due date) with the
figures behind each rank, and the skill tags of team members, SOPs and clients (read and
replace). Owners and managers only, as on the pages.

Routes with an id load the object first (`loads`), so another agency's id is a 404
whatever the query or body holds.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.sops.models import Sop
from app.sops.queries import visible_sops
from app.suggestions.policy import can_manage_tags, can_see_suggestions
from app.suggestions.queries import get_tag_target_or_404, tags_of
from app.suggestions.ranking import WEIGHTS, rank_candidates
from app.suggestions.schemas import SkillTagsIn, SkillTagsOut, SuggestionArgs, SuggestionListOut
from app.suggestions.services import set_tags

blp = Blueprint(
    "suggestions_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Assignment suggestions: ranked VAs with reasons, and skill tags",
)


@blp.route("/clients/<int:client_id>/suggestions")
class SuggestionsResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(SuggestionArgs, location="query")
    @blp.response(200, SuggestionListOut)
    def get(self, args: dict, agency_slug: str, client: Client) -> dict:
        """Eligible VAs, best first, each with its score (0-100), the points per criterion
        and the figures behind them: matching tags, free hours until `due` (14 days when
        none), overlap hours a day with the client's business hours, first-pass yield
        (last 90 days, on `sop_id` when given). `assigned_only`: VAs on the client today.
        422 naming `sop_id` when the SOP does not exist."""
        authorize(can_see_suggestions(g.actor))
        sop = None
        if args.get("sop_id"):
            sop = db.session.scalar(visible_sops(g.actor).where(Sop.id == args["sop_id"]))
            if sop is None:
                raise ValidationFailed({"sop_id": [_("Does not exist.")]})
        items = rank_candidates(
            g.actor,
            client=client,
            sop=sop,
            due=args.get("due"),
            assigned_only=args["assigned_only"],
        )
        return {
            "client_id": client.id,
            "sop_id": sop.id if sop else None,
            "due": args.get("due"),
            "weights": WEIGHTS,
            "items": items,
        }


def _tags(kind: str, target: Any) -> dict:
    return {"kind": kind, "id": target.id, "tags": tags_of(kind, target.id)}


def _skills_resource(kind: str, id_arg: str, read_doc: str, put_doc: str) -> type[MethodView]:
    """The skill tags of one kind of object (member, SOP, client): read and replace, owners
    and managers only, the object loaded (and its agency checked) before anything else."""

    def target_of(actor: Any, object_id: int) -> Any:
        return get_tag_target_or_404(actor, kind, object_id)

    class SkillsResource(MethodView):
        @roles(*MANAGERS)
        @loads(target_of, id_arg, "target")
        @blp.response(200, SkillTagsOut)
        def get(self, agency_slug: str, target: Any) -> dict:
            authorize(can_manage_tags(g.actor))
            return _tags(kind, target)

        @roles(*MANAGERS)
        @loads(target_of, id_arg, "target")
        @blp.arguments(SkillTagsIn)
        @blp.response(200, SkillTagsOut)
        def put(self, data: dict, agency_slug: str, target: Any) -> dict:
            authorize(can_manage_tags(g.actor))
            set_tags(g.actor, kind, target, data["tags"])
            commit()
            return _tags(kind, target)

    SkillsResource.get.__doc__ = read_doc
    SkillsResource.put.__doc__ = put_doc
    return SkillsResource


for _kind, _path, _id_arg, _name, _read, _put in (
    (
        "member",
        "members",
        "member_id",
        "MemberSkillsResource",
        "A team member's skill tags.",
        "Replace a team member's skill tags (lowercase; spaces become hyphens).",
    ),
    (
        "sop",
        "sops",
        "sop_id",
        "SopSkillsResource",
        "The skill tags an SOP asks for.",
        "Replace the skill tags of an SOP.",
    ),
    (
        "client",
        "clients",
        "client_id",
        "ClientSkillsResource",
        "The skill tags a client's work asks for.",
        "Replace the skill tags of a client.",
    ),
):
    blp.route(f"/{_path}/<int:{_id_arg}>/skills", endpoint=_name)(
        _skills_resource(_kind, _id_arg, _read, _put)
    )
