"""HTML screens over work items: a VA's "My work", the QA queue, the owner's board, the
"All work" list and the quality figures. Read-only pages; the item page and every change
live in app.work.views. The blueprint keeps its name, "screens", so every endpoint and URL
is the one it always was.

Each view: parse the query string with a small schema (a bad value answers 422 naming the
parameter) -> load through app.boards.queries / app.boards.all_work / app.boards.quality
-> render a template under boards/.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from app.boards.all_work import SORTS, STATE_GROUPS, WorkList, work_list
from app.boards.quality import PERIODS, human_duration, quality_report
from app.boards.queries import (
    CLOSED_STATES,
    QUADRANT_ORDER,
    Card,
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
from app.core.clock import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.formatting import format_datetime_fast
from app.core.i18n import current_language
from app.core.permissions import MANAGERS, roles
from app.core.schemas import BaseSchema, load_form
from app.core.timezones import zone_label
from app.core.translation import gettext, lazy_gettext
from app.work.labels import STATE_BADGES
from app.work.models import STATES

bp = Blueprint("screens", __name__, template_folder="templates")

QUADRANT_LABELS = {
    "do": (lazy_gettext("Do now"), lazy_gettext("Urgent and important"), "danger"),
    "schedule": (lazy_gettext("Schedule"), lazy_gettext("Important, not urgent"), "primary"),
    "delegate": (lazy_gettext("Delegate"), lazy_gettext("Urgent, not important"), "warning"),
    "eliminate": (
        lazy_gettext("Eliminate"),
        lazy_gettext("Neither urgent nor important"),
        "secondary",
    ),
}
STATE_LABELS = STATE_BADGES
STATE_COLORS = {
    "todo": "secondary", "in_progress": "info", "submitted": "primary", "in_review": "primary",
    "changes_requested": "warning", "approved": "success", "awaiting_client": "info",
    "client_approved": "success", "client_changes": "warning", "delivered": "success",
    "cancelled": "dark",
}  # fmt: skip
# Badges are made once per language: a board shows hundreds, and a Jinja macro call per
# badge costs more than the rest of the card.
_DARK_TEXT = ("info", "warning")


@functools.cache
def state_badges(language: str) -> dict[str, Markup]:
    """The state badges in `language` (the labels are those of the current request's)."""
    return {
        s: _badge(c, STATE_LABELS[s], "state", s, extra=" rounded-pill")
        for s, c in STATE_COLORS.items()
    }


@functools.cache
def quadrant_badges(language: str) -> dict[str, Markup]:
    """The priority (Eisenhower quadrant) badges in `language`."""
    return {
        q: _badge(c, label, "quadrant", q, title=hint)
        for q, (label, hint, c) in QUADRANT_LABELS.items()
    }


def _badge(
    color: str, label: object, kind: str, value: str, *, extra: str = "", title: object = None
) -> Markup:
    """A Bootstrap badge marked `data-<kind>="<value>"` (dark text on light colours)."""
    hint = Markup(' title="{}"').format(str(title)) if title is not None else ""
    return Markup(
        '<span class="badge{extra} text-bg-{c}{t} text-nowrap"{hint} data-{kind}="{value}">'
        "{label}</span>"
    ).format(
        extra=extra,
        c=color,
        t=" text-dark" if color in _DARK_TEXT else "",
        hint=hint,
        kind=kind,
        value=value,
        label=str(label),
    )


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


class ListArgs(BaseSchema):
    q = fields.String(validate=validate.Length(max=200))
    client = fields.Integer(**ID)
    client_q = fields.String(validate=validate.Length(max=160))
    state = fields.String(load_default="open", validate=validate.OneOf((*STATE_GROUPS, *STATES)))
    assignee = fields.Integer(**ID)
    reviewer = fields.Integer(**ID)
    sop = fields.Integer(**ID)
    quadrant = fields.String(validate=validate.OneOf(QUADRANT_ORDER))
    overdue = fields.Boolean()
    sort = fields.String(load_default="due", validate=validate.OneOf(SORTS))
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


def item_url_maker() -> Callable[[int], str]:
    """The item page's URL (app.work.views) as a plain string template, built with url_for
    once per page: a board links hundreds of cards."""
    sentinel = 987654321
    url = url_for("work.show_work_item", agency_slug=g.actor.agency.slug, work_item_id=sentinel)
    head, _, tail = url.partition(str(sentinel))
    return lambda item_id: f"{head}{item_id}{tail}"


def short_time(value: dt.datetime | None, zone: str) -> str:
    """A UTC time in `zone` in Baton's date-time format ('Fri 27 Nov, 09:00 EST') in the
    reader's locale, assembled from cached names: a board shows hundreds of them (see
    format_datetime_fast)."""
    if value is None:
        return ""
    return format_datetime_fast(value, zone)


def due_html(card: Card, zone: str, now: dt.datetime) -> Markup:
    """A card's due time in `zone` (red when overdue) and, below, in the client's zone.
    Python with f-strings rather than a Jinja macro or Markup.format: a board calls it for
    hundreds of cards."""
    if card.due_at is None:
        return Markup('<span class="text-body-secondary">{}</span>').format(gettext("No due date"))
    late = (
        " text-danger fw-semibold" if card.due_at < now and card.state not in CLOSED_STATES else ""
    )
    out = f'<span class="local-time{late}">{escape(short_time(card.due_at, zone))}</span>'
    if card.client_zone != zone:
        title = escape(
            gettext("The client's local time (%(zone)s)", zone=zone_label(card.client_zone))
        )
        local = escape(short_time(card.due_at, card.client_zone))
        out += (
            f'<span class="text-body-secondary small local-time d-block" title="{title}">'
            f'<i class="bi bi-globe2"></i> {local}</span>'
        )
    return Markup(out)  # noqa: S704 - every value in it is escaped above


def bdi(value: object) -> Markup:
    """Isolate a value that may be written left to right (a name, a time zone) inside a
    sentence that may be right to left."""
    return Markup("<bdi>{}</bdi>").format(value)


def work_of(name: str) -> Markup:
    """ "Jessica's work", in the reader's language (escaped as a whole, like any text)."""
    return escape(gettext("%(name)s's work", name=name))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    language = current_language()
    return {
        "QUADRANT_LABELS": QUADRANT_LABELS,
        "QUADRANT_BADGES": quadrant_badges(language),
        "STATE_LABELS": STATE_LABELS,
        "STATE_BADGES": state_badges(language),
        "bdi": bdi,
        "work_of": work_of,
        "human_duration": human_duration,
        "short_time": short_time,
        "due": due_html,
        # No actor when the request was refused before the view (an error page).
        "work_item_url": item_url_maker() if g.get("actor") is not None else None,
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
            raise Forbidden(gettext("Only owners and managers can look at another person's work."))
        member = get_member_or_404(actor, args["member"])
    groups = (
        [] if errors else my_work(actor, member, quadrant=args.get("quadrant"), page=args["page"])
    )
    return render_template(
        "boards/my_work.html",
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
        raise Forbidden(
            gettext("Reviewers see their own queue; only owners and managers can filter.")
        )
    page = qa_queue(actor, reviewer_id=args.get("reviewer"), page=args["page"])
    if errors:
        page.items, page.total = [], 0
    return render_template(
        "boards/qa_queue.html",
        page=page,
        args=args,
        raw=raw,
        errors=errors,
        reviewers=reviewer_options(actor),
    ), (422 if errors else 200)


def _client_filter(actor: Any, args: dict, errors: dict) -> tuple[dict, dict]:
    """The client filter's template values (choices, or a name search beyond OPTION_LIMIT,
    and the chosen client's name) and the errors, with "client" added for an id the actor
    cannot see."""
    chosen = client_name(actor, args["client"]) if args.get("client") else None
    if args.get("client") and chosen is None:
        errors = {**errors, "client": [gettext("No such client.")]}
    clients, many_clients = client_options(actor)
    return {"clients": clients, "many_clients": many_clients, "chosen_client": chosen}, errors


@bp.get("/<agency_slug>/board", endpoint="board")
@roles(*MANAGERS)
def board_page(agency_slug: str) -> ResponseReturnValue:
    """Items in columns by state, for one client (`?client=<id>`) or across all clients,
    filtered by assignee and SOP."""
    actor = g.actor
    args, raw, errors = _args(BoardArgs())
    filters, errors = _client_filter(actor, args, errors)
    columns = [] if errors else board(actor, args, page=args["page"])
    return render_template(
        "boards/board.html",
        columns=columns,
        args=args,
        raw=raw,
        errors=errors,
        **filters,
        filter_args={k: v for k, v in raw.items() if k not in ("state", "page")},
        vas=va_options(actor),
        sops=sop_options(actor),
        now=utcnow(),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/work", endpoint="work_list")
@roles("va", "qa", *MANAGERS)
def work_list_page(agency_slug: str) -> ResponseReturnValue:
    """Every work item the viewer may open (a VA: those of their clients), searchable by
    title and filtered by client, state, people, SOP, priority and lateness."""
    actor = g.actor
    args, raw, errors = _args(ListArgs())
    filters, errors = _client_filter(actor, args, errors)
    result = (
        WorkList(items=[], page=1, per_page=1, total=0)
        if errors
        else work_list(actor, args, page=args["page"], sort=args["sort"])
    )
    return render_template(
        "boards/list.html",
        result=result,
        args=args,
        raw=raw,
        errors=errors,
        **filters,
        vas=va_options(actor) if actor.role != "va" else [],
        reviewers=reviewer_options(actor),
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
        "boards/quality.html",
        report=report,
        periods=PERIODS,
        args=args,
        errors=errors,
    ), (422 if errors else 200)
