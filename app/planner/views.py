"""HTML pages of the week planner: one's own week (/planner) and a member's (owners and
managers), with the forms that plan, move, resize and remove blocks. Dragging (static
js/planner.js) only fills and sends these same forms, so everything works without script.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.capacity.intervals import local_instant
from app.capacity.workload import week_cell
from app.core.clock import today_in
from app.core.errors import ValidationFailed
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.planner.blueprint import bp
from app.planner.models import TimeBlock
from app.planner.policy import PLANNERS
from app.planner.queries import (
    get_block_or_404,
    get_planner_member_or_404,
    member_profile,
    monday_of,
    open_items,
    week_blocks,
    week_days,
)
from app.planner.schemas import BlockFormIn, BlockMoveFormIn, WeekArgs
from app.planner.services import (
    block_warnings,
    cell_warnings,
    create_block,
    delete_block,
    update_block,
)
from app.users.models import Membership, User

DEFAULT_MINUTES = 60
PAGE_ONLY = ("next", "week")


def _form() -> MultiDict:
    return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in PAGE_ONLY])


def _week_asked() -> dt.date | None:
    raw = request.values.get("week")
    if not raw:
        return None
    try:
        return WeekArgs().load({"week": raw})["week"]
    except ValidationError:
        return None


def _planners() -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.role.in_(PLANNERS), Membership.status == "active")
            .order_by(sa.func.lower(User.name), Membership.id)
        )
    )


def _url(member: Membership, monday: dt.date) -> str:
    slug = g.actor.agency.slug
    if member.id == g.actor.membership.id:
        return url_for("planner.mine", agency_slug=slug, week=monday.isoformat())
    return url_for(
        "planner.member_planner",
        agency_slug=slug,
        membership_id=member.id,
        week=monday.isoformat(),
    )


def _page(
    member: Membership,
    monday: dt.date | None = None,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    failed_id: int | None = None,
) -> ResponseReturnValue:
    prof = member_profile(member)
    today = today_in(prof.zone_name)
    monday = monday or monday_of(_week_asked() or today)
    blocks = week_blocks(prof, monday)
    days = week_days(prof, monday, blocks)
    cell = week_cell(member.id, monday, monday_of(today))
    open_items_list = open_items(member.id)
    first_day = next((d.date for d in days if d.slots and d.date >= today), monday)
    defaults = {"day": first_day.isoformat(), "start": "", "minutes": DEFAULT_MINUTES}
    return render_template(
        "planner/week.html",
        member=member,
        prof=prof,
        monday=monday,
        today=today,
        days=days,
        blocks=blocks,
        items=open_items_list,
        cell=cell,
        week_warnings=cell_warnings(cell),
        people=_planners() if g.actor.is_manager else [],
        own=member.id == g.actor.membership.id,
        values=values if values is not None and failed_id is None else defaults,
        errors=errors if failed_id is None else {},
        move_values=values if failed_id is not None else {},
        move_errors=errors if failed_id is not None else {},
        failed_id=failed_id,
        prev_url=_url(member, monday - dt.timedelta(days=7)),
        next_url=_url(member, monday + dt.timedelta(days=7)),
        this_url=_url(member, monday_of(today)),
        item_options=[(i.id, f"{i.title} · {i.client_name}") for i in open_items_list],
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/planner")
@roles(*PLANNERS)
def mine(agency_slug: str) -> ResponseReturnValue:
    """My week: my working hours day by day, my blocks and my open work items."""
    return _page(g.actor.membership)


@bp.get("/<agency_slug>/planner/<int:membership_id>")
@roles(*PLANNERS)
def member_planner(agency_slug: str, membership_id: int) -> ResponseReturnValue:
    """A member's week (one's own; anyone's for owners and managers)."""
    return _page(get_planner_member_or_404(g.actor, membership_id))


def _starts_at(member: Membership, data: dict) -> dt.datetime:
    start: dt.time = data["start"]
    return local_instant(data["day"], start.hour * 60 + start.minute, member_profile(member).zone)


def _done(block: TimeBlock, message: str) -> ResponseReturnValue:
    member = db.session.get(Membership, block.membership_id)
    prof = member_profile(member)
    flash(message, "success")
    for warning in block_warnings(block):
        flash(warning, "warning")
    return redirect(_url(member, monday_of(block.starts_at.astimezone(prof.zone).date())))


@bp.post("/<agency_slug>/planner/<int:membership_id>/blocks")
@roles(*PLANNERS)
def add_block(agency_slug: str, membership_id: int) -> ResponseReturnValue:
    """Plan a block: a work item, a day, a start time (the member's zone) and a length."""
    member = get_planner_member_or_404(g.actor, membership_id)
    form = _form()
    try:
        data = load_form(BlockFormIn(), form)
        block = create_block(
            g.actor,
            member,
            {**data, "starts_at": _starts_at(member, data)},
            time_field="start",
        )
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(member, errors=exc.errors, values=form.to_dict())
    return _done(block, _("Block planned."))


@bp.post("/<agency_slug>/planner/blocks/<int:block_id>")
@roles(*PLANNERS)
def move_block(agency_slug: str, block_id: int) -> ResponseReturnValue:
    """Move a block to another day or time, or change its length."""
    block = get_block_or_404(g.actor, block_id)
    member = db.session.get(Membership, block.membership_id)
    form = _form()
    try:
        data = load_form(BlockMoveFormIn(), form)
        update_block(
            g.actor,
            block,
            {"starts_at": _starts_at(member, data), "minutes": data["minutes"]},
            time_field="start",
        )
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        block = get_block_or_404(g.actor, block_id)
        monday = monday_of(block.starts_at.astimezone(member_profile(member).zone).date())
        return _page(member, monday, errors=exc.errors, values=form.to_dict(), failed_id=block_id)
    return _done(block, _("Block changed."))


@bp.post("/<agency_slug>/planner/blocks/<int:block_id>/delete")
@roles(*PLANNERS)
def remove_block(agency_slug: str, block_id: int) -> ResponseReturnValue:
    block = get_block_or_404(g.actor, block_id)
    member = db.session.get(Membership, block.membership_id)
    monday = monday_of(block.starts_at.astimezone(member_profile(member).zone).date())
    delete_block(g.actor, block)
    commit()
    flash(_("Block removed."), "success")
    return redirect(_url(member, monday))
