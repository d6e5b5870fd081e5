"""JSON API of the week planner: a member's blocks of a week (list, create) and one block
(read, move or resize, remove). The same rules as the pages: a VA plans their own week,
owners and managers anyone's; QA reviewers and client contacts have no planner. Routes with
an id load the object first, so another agency's id is a 404 whatever the body holds.
Saving answers the block with its warnings (after the due date, over capacity, under 15 %
buffer), which never stop it.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.capacity.intervals import zone_of
from app.capacity.workload import week_cell
from app.core.clock import today_in
from app.core.permissions import loads, roles
from app.core.uow import commit
from app.extensions import db
from app.planner.models import TimeBlock
from app.planner.policy import PLANNERS
from app.planner.queries import (
    BlockView,
    block_view,
    get_block_or_404,
    get_planner_member_or_404,
    member_profile,
    monday_of,
    week_blocks,
)
from app.planner.schemas import TimeBlockIn, TimeBlockOut, TimeBlockPatch, WeekArgs, WeekOut
from app.planner.services import (
    block_warnings,
    cell_warnings,
    create_block,
    delete_block,
    update_block,
)
from app.users.models import Membership

blp = Blueprint(
    "planner_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Week planner: time blocks of work items within a member's working hours",
)


def _out(view: BlockView, zone_name: str, warnings: list[str] | None = None) -> dict:
    return {
        "id": view.id,
        "membership_id": view.membership_id,
        "work_item_id": view.work_item_id,
        "work_item_title": view.title,
        "client_id": view.client_id,
        "client_name": view.client_name,
        "starts_at": view.starts_at,
        "ends_at": view.ends_at,
        "minutes": view.minutes,
        "local_start": view.starts_at.astimezone(zone_of(zone_name)).isoformat(),
        "client_time_zone": view.client_zone,
        "client_start": view.starts_at.astimezone(zone_of(view.client_zone)).isoformat(),
        "ends_after_due": view.past_due,
        "warnings": warnings or [],
    }


def _saved(block: TimeBlock) -> dict:
    prof = member_profile(db.session.get(Membership, block.membership_id))
    return _out(block_view(prof, block.id), prof.zone_name, block_warnings(block))


@blp.route("/members/<int:membership_id>/time-blocks")
class WeekBlocksResource(MethodView):
    @roles(*PLANNERS)
    @loads(get_planner_member_or_404, "membership_id", "member")
    @blp.arguments(WeekArgs, location="query")
    @blp.response(200, WeekOut)
    def get(self, args: dict, agency_slug: str, member: Membership) -> dict:
        """The member's blocks of a week (Monday to Sunday in their zone), the week's
        planned minutes against capacity and its warnings."""
        prof = member_profile(member)
        today = today_in(prof.zone_name)
        monday = monday_of(args.get("week") or today)
        cell = week_cell(member.id, monday, monday_of(today))
        return {
            "membership_id": member.id,
            "time_zone": prof.zone_name,
            "week_start": monday,
            "planned_minutes": cell.planned if cell else 0,
            "capacity_minutes": cell.capacity if cell else 0,
            "over_capacity": bool(cell and cell.over),
            "low_buffer": bool(cell and cell.low_buffer),
            "warnings": cell_warnings(cell),
            "items": [_out(v, prof.zone_name, []) for v in week_blocks(prof, monday)],
        }

    @roles(*PLANNERS)
    @loads(get_planner_member_or_404, "membership_id", "member")
    @blp.arguments(TimeBlockIn)
    @blp.response(201, TimeBlockOut)
    def post(self, data: dict, agency_slug: str, member: Membership) -> dict:
        """Plan a block: an open work item assigned to the member, inside their working
        hours, not on time off or a holiday, not overlapping another block."""
        block = create_block(g.actor, member, data)
        commit()
        return _saved(block)


@blp.route("/time-blocks/<int:block_id>")
class BlockResource(MethodView):
    @roles(*PLANNERS)
    @loads(get_block_or_404, "block_id", "block")
    @blp.response(200, TimeBlockOut)
    def get(self, agency_slug: str, block: TimeBlock) -> dict:
        """One block."""
        prof = member_profile(db.session.get(Membership, block.membership_id))
        return _out(block_view(prof, block.id), prof.zone_name, [])

    @roles(*PLANNERS)
    @loads(get_block_or_404, "block_id", "block")
    @blp.arguments(TimeBlockPatch)
    @blp.response(200, TimeBlockOut)
    def patch(self, data: dict, agency_slug: str, block: TimeBlock) -> dict:
        """Move (`starts_at`) and/or resize (`minutes`) a block; the same checks apply."""
        update_block(g.actor, block, data)
        commit()
        return _saved(block)

    @roles(*PLANNERS)
    @loads(get_block_or_404, "block_id", "block")
    @blp.response(204)
    def delete(self, agency_slug: str, block: TimeBlock) -> None:
        """Remove a block."""
        delete_block(g.actor, block)
        commit()
