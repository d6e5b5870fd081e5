"""HTML screens over work items: a VA's "My work", the QA queue, the owner's board and the
quality figures. Read-only pages; the item page and every change live in app.work.views.

Each view: parse the query string with a small schema (a bad value answers 422 naming the
parameter) -> load through app.work.screen_queries / app.work.quality -> render.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from app.core.db import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.permissions import MANAGERS, roles
from app.core.schemas import BaseSchema, load_form
from app.work.models import STATES
from app.work.quality import PERIODS, human_duration, quality_report
from app.work.screen_queries import (
    QUADRANT_ORDER,
    board,
    client_name,
    client_options,
    get_member_or_404,
    my_work,
    qa_queue,
    reviewer_options,
    sop_options,
    va_options,
)

bp = Blueprint("screens", __name__, template_folder="templates")

QUADRANT_LABELS = {
    "do": ("Do now", "Urgent and important", "danger"),
    "schedule": ("Schedule", "Important, not urgent", "primary"),
    "delegate": ("Delegate", "Urgent, not important", "warning"),
    "eliminate": ("Eliminate", "Neither urgent nor important", "secondary"),
}
STATE_LABELS = {s: s.replace("_", " ").capitalize() for s in STATES}
ID = {"validate": validate.Range(min=1, max=2**31 - 1)}


class MyWorkArgs(BaseSchema):
    member = fields.Integer(**ID)
    quadrant = fields.String(validate=validate.OneOf(QUADRANT_ORDER))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))


class QueueArgs(BaseSchema):
    reviewer = fields.Integer(**ID)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))


class BoardArgs(BaseSchema):
    client = fields.Integer(**ID)
    client_q = fields.String(validate=validate.Length(max=160))
    assignee = fields.Integer(**ID)
    sop = fields.Integer(**ID)
    state = fields.String(validate=validate.OneOf(STATES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))


class QualityArgs(BaseSchema):
    days = fields.Integer(load_default=PERIODS[0], validate=validate.OneOf(PERIODS))


def _args(schema: BaseSchema) -> tuple[dict, dict, dict]:
    """(loaded values, raw non-empty values, errors) of the query string for `schema`."""
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in schema.fields])
    try:
        return load_form(schema, raw), {k: v for k, v in raw.items() if v}, {}
    except ValidationFailed as exc:
        defaults = load_form(schema, MultiDict())
        return defaults, {k: v for k, v in raw.items() if v}, exc.errors


def work_item_url(item_id: int) -> str:
    """The item page of app.work.views (its path, should that blueprint be absent)."""
    slug = g.actor.agency.slug
    try:
        return url_for("work.show_work_item", agency_slug=slug, work_item_id=item_id)
    except BuildError:
        return f"/{slug}/work/{item_id}"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "QUADRANT_LABELS": QUADRANT_LABELS,
        "STATE_LABELS": STATE_LABELS,
        "human_duration": human_duration,
        "work_item_url": work_item_url,
    }


@bp.get("/<agency_slug>/my-work", endpoint="my_work")
@roles("va", *MANAGERS)
def my_work_page(agency_slug: str) -> ResponseReturnValue:
    """A VA's open items across their clients, by Eisenhower quadrant, soonest due first.
    Owners and managers can look at any VA's (`?member=<membership id>`)."""
    actor = g.actor
    args, raw, errors = _args(MyWorkArgs())
    member = actor.membership
    if args.get("member") and args["member"] != member.id:
        if not actor.is_manager:
            raise Forbidden("Only owners and managers can look at another person's work.")
        member = get_member_or_404(actor, args["member"])
    groups = (
        [] if errors else my_work(actor, member, quadrant=args.get("quadrant"), page=args["page"])
    )
    return render_template(
        "work/screens/my_work.html",
        groups=groups,
        member=member,
        own=member.id == actor.membership.id,
        member_zone=member.user.time_zone or "UTC",
        args=args,
        raw=raw,
        errors=errors,
        vas=va_options(actor) if actor.is_manager else [],
        now=utcnow(),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/qa", endpoint="qa_queue")
@roles("qa", *MANAGERS)
def qa_queue_page(agency_slug: str) -> ResponseReturnValue:
    """Items waiting for review, oldest submission first."""
    actor = g.actor
    args, raw, errors = _args(QueueArgs())
    if args.get("reviewer") and not actor.is_manager:
        raise Forbidden("Reviewers see their own queue; only owners and managers can filter.")
    page = qa_queue(actor, reviewer_id=args.get("reviewer"), page=args["page"])
    if errors:
        page.items, page.total = [], 0
    return render_template(
        "work/screens/qa_queue.html",
        page=page,
        args=args,
        raw=raw,
        errors=errors,
        reviewers=reviewer_options(actor),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/board", endpoint="board")
@roles(*MANAGERS)
def board_page(agency_slug: str) -> ResponseReturnValue:
    """Items in columns by state, for one client (`?client=<id>`) or across all clients,
    filtered by assignee and SOP."""
    actor = g.actor
    args, raw, errors = _args(BoardArgs())
    chosen = client_name(actor, args["client"]) if args.get("client") else None
    if args.get("client") and chosen is None:
        errors = {**errors, "client": ["No such client."]}
    columns = [] if errors else board(actor, args, page=args["page"])
    clients, many_clients = client_options(actor)
    return render_template(
        "work/screens/board.html",
        columns=columns,
        args=args,
        raw=raw,
        errors=errors,
        clients=clients,
        many_clients=many_clients,
        chosen_client=chosen,
        filter_args={k: v for k, v in raw.items() if k not in ("state", "page")},
        vas=va_options(actor),
        sops=sop_options(actor),
        now=utcnow(),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/quality", endpoint="quality")
@roles(*MANAGERS)
def quality_page(agency_slug: str) -> ResponseReturnValue:
    """First-pass yield, rework rounds and review turnaround per VA, SOP and reviewer."""
    args, raw, errors = _args(QualityArgs())
    report = quality_report(g.actor, days=args["days"])
    return render_template(
        "work/screens/quality.html",
        report=report,
        periods=PERIODS,
        args=args,
        errors=errors,
    ), (422 if errors else 200)
