"""HTML pages of suggestions: the skill tags of a team member, an SOP and a client (owners
and managers), and the ranked VAs for a client (a page, and a fragment the assigning forms
load with htmx; without JavaScript the forms link to the page).

Each view: load (404 when not visible) -> authorize (403) -> parse with the domain schema
(422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, authorize, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.sops.queries import visible_sops
from app.suggestions.blueprint import KIND_LABELS, bp
from app.suggestions.policy import can_manage_tags, can_see_suggestions
from app.suggestions.presenting import reasons
from app.suggestions.queries import get_tag_target_or_404, tags_of
from app.suggestions.ranking import QUALITY_DAYS, WEIGHTS, rank_candidates
from app.suggestions.schemas import SkillTagsFormIn, SuggestionPageArgs
from app.suggestions.services import set_tags, split_tags

# --- skill tags ------------------------------------------------------------------------------


def _target_view(kind: str, target: Any) -> tuple[str, str]:
    """(name, page to go back to) of a tag target."""
    slug = g.actor.agency.slug
    if kind == "member":
        back = url_for("users.team_member", agency_slug=slug, member_id=target.id)
        return target.user.name, back
    if kind == "sop":
        return target.title, url_for("sops.sop_detail", agency_slug=slug, sop_id=target.id)
    return target.name, url_for("clients.client_detail", agency_slug=slug, client_id=target.id)


def _tags_page(kind: str, target_id: int) -> ResponseReturnValue:
    target = get_tag_target_or_404(g.actor, kind, target_id)
    authorize(can_manage_tags(g.actor))
    name, back = _target_view(kind, target)
    values = {"tags": ", ".join(tags_of(kind, target.id))}
    errors: dict = {}
    if request.method == "POST":
        form = MultiDict([(k, v) for k, v in request.form.items(multi=True)])
        try:
            data = load_form(SkillTagsFormIn(), form)
            set_tags(g.actor, kind, target, split_tags(data["tags"]))
            commit()
            flash(_("Skill tags saved."), "success")
            return redirect(back), 303
        except ValidationFailed as exc:
            db.session.rollback()
            values, errors = form.to_dict(), exc.errors
    return render_template(
        "suggestions/tags.html",
        kind_label=KIND_LABELS[kind],
        name=name,
        back=back,
        values=values,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/<agency_slug>/team/<int:member_id>/skills", methods=["GET", "POST"])
@roles(*MANAGERS)
def member_skills(agency_slug: str, member_id: int) -> ResponseReturnValue:
    """A team member's skill tags."""
    return _tags_page("member", member_id)


@bp.route("/<agency_slug>/sops/<int:sop_id>/skills", methods=["GET", "POST"])
@roles(*MANAGERS)
def sop_skills(agency_slug: str, sop_id: int) -> ResponseReturnValue:
    """The skill tags an SOP asks for."""
    return _tags_page("sop", sop_id)


@bp.route("/<agency_slug>/clients/<int:client_id>/skills", methods=["GET", "POST"])
@roles(*MANAGERS)
def client_skills(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """The skill tags a client's work asks for."""
    return _tags_page("client", client_id)


# --- suggestions -----------------------------------------------------------------------------


def _due(args: dict) -> dt.date | None:
    if args.get("due"):
        return args["due"]
    raw = (args.get("due_at") or "")[:10]
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"due_at": [_("Not a valid date.")]}) from None


def _sop(args: dict) -> Sop | None:
    if args.get("sop_id"):
        sop = db.session.scalar(visible_sops(g.actor).where(Sop.id == args["sop_id"]))
        if sop is None:
            raise ValidationFailed({"sop_id": [_("Does not exist.")]})
        return sop
    if args.get("sop_version_id"):
        sop = db.session.scalar(
            visible_sops(g.actor)
            .join(SopVersion, SopVersion.sop_id == Sop.id)
            .where(SopVersion.id == args["sop_version_id"])
        )
        if sop is None:
            raise ValidationFailed({"sop_version_id": [_("Does not exist.")]})
        return sop
    return None


def _pick_url(client: Client, args: dict, membership_id: int) -> str:
    """Where "Choose" goes without JavaScript: the form, with this VA selected."""
    slug = g.actor.agency.slug
    if args["pick"] == "work_new":
        extra = {k: args[k] for k in ("sop_version_id", "due_at") if args.get(k)}
        return url_for(
            "work.new_work_item",
            agency_slug=slug,
            client_id=client.id,
            assignee_id=membership_id,
            **extra,
        )
    if args["pick"] == "work_item" and args.get("work_item_id"):
        return url_for(
            "work.show_work_item",
            agency_slug=slug,
            work_item_id=args["work_item_id"],
            assignee_id=membership_id,
            _anchor="manage",
        )
    return url_for(
        "clients.client_detail",
        agency_slug=slug,
        client_id=client.id,
        va=membership_id,
        _anchor="assignments",
    )


@bp.get("/<agency_slug>/clients/<int:client_id>/suggestions")
@roles(*MANAGERS)
def suggest(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """VAs ranked for the client (and SOP, due date), with the reasons beside each name."""
    client = get_client_or_404(g.actor, client_id)
    authorize(can_see_suggestions(g.actor))
    errors: dict = {}
    args: dict = {"pick": "client", "fragment": False}
    sop, due, items = None, None, []
    try:
        args = load_form(SuggestionPageArgs(), MultiDict(request.args.items()))
        sop, due = _sop(args), _due(args)
        items = rank_candidates(
            g.actor, client=client, sop=sop, due=due, assigned_only=args["assigned_only"]
        )
    except ValidationFailed as exc:
        errors = exc.errors
    rows = [(s, reasons(s), _pick_url(client, args, s.membership_id)) for s in items]
    htmx = request.headers.get("HX-Request") == "true"
    if args.get("fragment") or htmx:
        # htmx swaps only 2xx answers: the list shows its own messages either way.
        status = 422 if errors and not htmx else 200
        return render_template("suggestions/_list.html", rows=rows, errors=errors), status
    sops = db.session.execute(
        visible_sops(g.actor).with_only_columns(Sop.id, Sop.title).order_by(Sop.title, Sop.id)
    ).all()
    return render_template(
        "suggestions/page.html",
        client=client,
        sop=sop,
        due=due,
        rows=rows,
        weights=WEIGHTS,
        quality_days=QUALITY_DAYS,
        errors=errors,
        values=dict(request.args.items()),
        sops=[(row.id, row.title) for row in sops],
    ), (422 if errors else 200)
