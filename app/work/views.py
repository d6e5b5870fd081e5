"""HTML pages of work items: the create and edit forms, the item page with its checklist,
review, client decision, history and comments, reassigning, commenting and evidence
downloads. The workflow actions (start, submit, review, deliver, ...) are in
app.work.transition_views and the checklist's in app.work.checklist_views; all add their
routes to the one blueprint of app.work.blueprint.

Each POST: load (404 when not visible) -> authorize (403) -> parse the form with the domain
schema -> service -> commit once -> redirect (or, for htmx, the changed fragment). A refused
action shows its reason on the page (409); bad input shows beside its field (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.clock import utcnow
from app.core.errors import DomainError, ValidationFailed
from app.core.permissions import ALL_ROLES, MANAGERS, Actor, roles
from app.core.schemas import load_form
from app.core.timezones import to_zone
from app.core.translation import gettext, lazy_gettext
from app.core.uow import commit
from app.core.web import absolute_url
from app.extensions import db
from app.portal.models import WorkRequest
from app.portal.services import create_work_item_for
from app.portal.work_requests import visible_work_requests
from app.sops.localize import item_texts, localized
from app.sops.models import SopVersion
from app.users import team_services
from app.work import approvals, policy, series_views, services, transitions
from app.work.blueprint import authorize, bp, item_url
from app.work.downloads import evidence_response
from app.work.models import ChecklistState, WorkItem
from app.work.queries import (
    assignee_choices,
    checklist_of,
    client_approvers,
    evidence_files_by_id,
    get_evidence_file_or_404,
    get_work_item_or_404,
    history_of,
    reviewer_choices,
    reviews_query,
    sop_choices,
)
from app.work.schemas import (
    ClientInviteIn,
    CommentIn,
    ReassignIn,
    WorkItemIn,
    WorkItemPatchIn,
)
from app.work.services import EDIT_FIELDS
from app.work.stage_dates import work_item_stages
from app.work.stage_gates import approval_stage_keys, locked_stage_keys
from app.work.start_guards import start_blocker


def _local_input(value: Any, zone: str) -> str:
    """A UTC datetime as the value of a datetime-local input in `zone`."""
    return to_zone(value, zone).strftime("%Y-%m-%dT%H:%M") if value else ""


# --- create and edit -------------------------------------------------------------------------


INVITE_FIELDS = ("invite_contact", "invite_email")


def _approval_offer(client: Client, sops: list[tuple[int, str]]) -> dict | None:
    """What the create form offers when SOPs on it need the client's approval and the
    client has no portal login yet: those SOPs, and an email to invite (a contact of the
    client without a login, the billing contact first)."""
    if client_approvers(client.id):
        return None
    versions = db.session.scalars(
        sa.select(SopVersion).where(SopVersion.id.in_([sop_id for sop_id, _ in sops]))
    )
    needing = {v.id for v in versions if (v.definition or {}).get("client_approval")}
    if not needing:
        return None
    contacts = sorted(
        (c for c in client.contacts if c.email and c.membership_id is None),
        key=lambda c: (not c.is_billing, c.id),
    )
    return {
        "sop_ids": sorted(needing),
        "sop_labels": [label for sop_id, label in sops if sop_id in needing],
        "email": contacts[0].email if contacts else "",
        "contacts": [(c.email, f"{c.name} <{c.email}>") for c in contacts],
    }


def _render_form(
    client: Client, item: WorkItem | None, values: dict, errors: dict, status: int = 200
) -> ResponseReturnValue:
    sops = sop_choices(g.actor) if item is None else []
    offer = _approval_offer(client, sops) if item is None else None
    if offer is not None:
        values.setdefault("invite_email", offer["email"])
    return render_template(
        "work/form.html",
        client=client,
        work_item=item,
        values=values,
        errors=errors,
        approval_offer=offer,
        sops=sops,
        assignees=assignee_choices(g.actor, client.id) if item is None else [],
        repeat_choices=series_views.repeat_choices(),
        reviewers=reviewer_choices(g.actor) if item is None else [],
    ), status


def _prefill(client: Client) -> dict:
    """Values from the query string: `title`, `description`, `due_at`, `sop_version_id`,
    `assignee_id` (a suggested VA chosen on the suggestions page), or a client's
    `request_id` (its title, details and wanted-by day, at 17:00 client time)."""
    keys = ("title", "description", "due_at", "sop_version_id", "assignee_id")
    values = {k: request.args[k] for k in keys if k in request.args}
    raw_id = request.args.get("request_id", "")
    if raw_id.isdigit():
        work_request = db.session.scalar(
            visible_work_requests(g.actor).where(
                WorkRequest.id == int(raw_id),
                WorkRequest.client_id == client.id,
                WorkRequest.status == "open",
            )
        )
        if work_request is not None:
            values.setdefault("title", work_request.title)
            values.setdefault("description", work_request.details or "")
            if work_request.wanted_by:
                values.setdefault("due_at", f"{work_request.wanted_by.isoformat()}T17:00")
            values["request_id"] = str(work_request.id)
    return values


@bp.route("/<agency_slug>/clients/<int:client_id>/work/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_work_item(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """The create form on a client (owners and managers)."""
    client = get_client_or_404(g.actor, client_id)
    authorize(policy.can_create_work_item(g.actor, client))
    values: dict = {"important": True, **_prefill(client)}
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        values["urgent"] = "urgent" in request.form
        values["important"] = "important" in request.form
        values["invite_contact"] = "invite_contact" in request.form
        # The invitation's fields are not the work item's: read apart, checked together.
        item_form = MultiDict(
            [
                (k, v)
                for k, v in request.form.items(multi=True)
                if k not in INVITE_FIELDS and k != "repeats"
            ]
        )
        invite_form = (
            {k: request.form[k] for k in INVITE_FIELDS if k in request.form}
            if "invite_contact" in request.form
            else {}
        )
        try:
            repeats, repeats_errors = None, {}
            try:
                repeats = series_views.repeats_of(request.form)
            except ValidationFailed as exc:
                repeats_errors = exc.errors
            try:
                invite, data = _load_both(invite_form, item_form)
            except ValidationFailed as exc:  # every field's problem at once
                raise ValidationFailed({**exc.errors, **repeats_errors}) from exc
            if repeats_errors:
                raise ValidationFailed(repeats_errors)
            if repeats:
                item = series_views.create_series(g.actor, client, {**data, "repeats": repeats})
            else:
                item = create_work_item_for(g.actor, client, data)
            if invite.get("invite_contact"):
                _invite_client_login(client, invite.get("invite_email"))
            commit()
            flash(gettext("Work item %(title)s created and assigned.", title=item.title), "success")
            if invite.get("invite_contact"):
                flash(
                    gettext("Invitation sent to %(email)s.", email=invite["invite_email"]),
                    "success",
                )
            return redirect(item_url(item))
        except DomainError as exc:
            db.session.rollback()
            errors = exc.errors or {"_schema": [exc.message]}
            return _render_form(client, None, values, errors, exc.status)
    return _render_form(client, None, values, errors)


def _load_both(invite_form: dict, item_form: MultiDict) -> tuple[dict, dict]:
    """Both forms' input, with every field's problem reported at once."""
    errors: dict = {}
    invite: dict = {}
    data: dict = {}
    try:
        invite = load_form(ClientInviteIn(), invite_form)
        if invite.get("invite_contact") and not invite.get("invite_email"):
            errors["invite_email"] = [gettext("Enter the email of the contact to invite.")]
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        data = load_form(WorkItemIn(), item_form)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return invite, data


def _invite_client_login(client: Client, email: str) -> None:
    """Invite `email` as a portal login of `client`, in the same transaction as the item."""
    try:
        team_services.invite_member(
            g.actor,
            {"email": email, "role": "client", "client_id": client.id},
            link=lambda raw: absolute_url("users.accept_invitation", token=raw),
        )
    except ValidationFailed as exc:
        # Its messages are about the invitation's email: show them on the form's field.
        raise ValidationFailed(
            {("invite_email" if k == "email" else k): v for k, v in exc.errors.items()}
        ) from exc


@bp.route("/<agency_slug>/work/<int:work_item_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_work_item(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
    """Edit an open item's title, description, due time, flags, estimate."""
    item = get_work_item_or_404(g.actor, work_item_id)
    authorize(policy.can_edit_work_item(g.actor, item))
    zone = item.client.time_zone
    values: dict = {k: getattr(item, k) for k in EDIT_FIELDS}
    values["due_at"] = _local_input(item.due_at, zone)
    values["lock_version"] = item.lock_version
    if request.method == "POST":
        values = request.form.to_dict()
        values["urgent"] = "urgent" in request.form
        values["important"] = "important" in request.form
        try:
            data = load_form(WorkItemPatchIn(), request.form)
            lock = data.pop("lock_version", None)
            services.update_work_item(g.actor, item, data, lock)
            commit()
            flash(gettext("Work item saved."), "success")
            return redirect(item_url(item))
        except DomainError as exc:
            db.session.rollback()
            item = get_work_item_or_404(g.actor, work_item_id)
            return _render_form(
                item.client, item, values, exc.errors or {"_schema": [exc.message]}, exc.status
            )
    return _render_form(item.client, item, values, {})


# --- the item page ----------------------------------------------------------------------------


def _stages(item: WorkItem, checks: list[ChecklistState], shown: dict) -> list[dict]:
    """The checklist grouped by the SOP's stages, in order, each with its due moment
    (`due_at`, UTC) and whether it is `overdue` (see app.work.stage_dates); titles from
    `shown`, the version's definition in the reader's language (app.sops.localize)."""
    titles = {str(s["key"]): s for s in (shown.get("stages") or []) if isinstance(s, dict)}
    dues = {due.key: due for due in work_item_stages(item, checks, utcnow())}
    groups: list[dict] = []
    for check in checks:
        if not groups or groups[-1]["key"] != check.stage_key:
            stage = titles.get(check.stage_key, {})
            due = dues.get(check.stage_key)
            groups.append(
                {
                    "key": check.stage_key,
                    "title": stage.get("title") or check.stage_key,
                    "description": stage.get("description"),
                    "due_at": due.due_at if due else None,
                    "overdue": bool(due and due.overdue),
                    "items": [],
                }
            )
        groups[-1]["items"].append(check)
    return groups


def render_item(
    item: WorkItem,
    *,
    form: str | None = None,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The item page; `form` names the form whose `errors` and `values` are shown."""
    actor = g.actor
    checks = checklist_of(item)
    staff = policy.can_see_internal(actor)
    shown = localized(item.sop_version.definition)
    reviews = db.session.scalars(reviews_query(item)).all() if policy.can_see_reviews(actor) else []
    manager = actor.is_manager
    return render_template(
        "work/show.html",
        work_item=item,
        client=item.client,
        stages=_stages(item, checks, shown),
        sop_title=shown["title"],
        check_texts=item_texts(shown),
        files=evidence_files_by_id(item),
        open_required=transitions.open_required_items(item) if item.state == "in_progress" else [],
        history=history_of(actor, item),
        reviews=reviews,
        rubric=shown["rubric"],
        actions=policy.available_actions(actor, item),
        start_blocked=start_blocker(item) if staff else None,
        staff=staff,
        can_work=policy.can_work_checklist(actor, item) and item.state == "in_progress",
        can_comment=policy.can_comment_on_work_item(actor, item),
        can_internal=policy.can_post_internal_comment(actor),
        can_edit=policy.can_edit_work_item(actor, item)
        and item.state not in ("delivered", "cancelled"),
        can_reassign=policy.can_reassign_work_item(actor, item)
        and item.state not in ("delivered", "cancelled"),
        show_notes=policy.can_see_evidence_notes(actor),
        client_approval=bool(item.sop_version.definition.get("client_approval")),
        series=series_views.series_line(item),
        stage_at_client=approvals.stage_title(item, approvals.stage_at_client(item)),
        locked_stages=locked_stage_keys(item),
        approval_stages=set(approval_stage_keys(item)),
        approvers=client_approvers(item.client_id) if staff else [],
        assignees=assignee_choices(actor, item.client_id) if manager else [],
        reviewers=reviewer_choices(actor) if manager else [],
        form=form,
        errors=errors or {},
        values=values or {},
    ), status


@bp.get("/<agency_slug>/work/<int:work_item_id>")
@roles(*ALL_ROLES)
def show_work_item(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
    """The item page, as the viewer may see it."""
    return render_item(get_work_item_or_404(g.actor, work_item_id))


def act(
    work_item_id: int,
    check: Callable[[Actor, WorkItem], bool],
    schema: Any,
    run: Callable[[WorkItem, dict, int | None], Any],
    *,
    form: str,
    done: object,
    anchor: str | None = None,
) -> ResponseReturnValue:
    """Load, authorize, parse `schema` from the form, run, commit and redirect; refusals
    are shown on the page."""
    item = get_work_item_or_404(g.actor, work_item_id)
    authorize(check(g.actor, item))
    try:
        data = load_form(schema, request.form)
        lock = data.pop("lock_version", None)
        run(item, data, lock)
        commit()
    except DomainError as exc:
        db.session.rollback()
        item = get_work_item_or_404(g.actor, work_item_id)
        errors = exc.errors or {"_schema": [exc.message]}
        return render_item(
            item, form=form, errors=errors, values=request.form.to_dict(), status=exc.status
        )
    flash(str(done), "success")
    return redirect(item_url(item, anchor))


@bp.post("/<agency_slug>/work/<int:work_item_id>/reassign")
@roles(*MANAGERS)
def reassign_work_item(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
    """Change the assignee and/or reviewer (owners and managers)."""
    return act(
        work_item_id,
        policy.can_reassign_work_item,
        ReassignIn(),
        lambda item, data, lock: services.reassign_work_item(g.actor, item, data, lock),
        form="reassign",
        done=lazy_gettext("Assignment saved."),
    )


@bp.post("/<agency_slug>/work/<int:work_item_id>/comments")
@roles(*ALL_ROLES)
def add_comment(agency_slug: str, work_item_id: int) -> ResponseReturnValue:
    """Comment on the item; staff may mark it internal."""
    return act(
        work_item_id,
        policy.can_comment_on_work_item,
        CommentIn(),
        lambda item, data, lock: services.add_comment(g.actor, item, data),
        form="comment",
        done=lazy_gettext("Comment added."),
        anchor="history",
    )


@bp.get("/<agency_slug>/work/<int:work_item_id>/evidence/<int:evidence_id>")
@roles(*ALL_ROLES)
def download_evidence(agency_slug: str, work_item_id: int, evidence_id: int) -> ResponseReturnValue:
    """An evidence file, as an attachment, to those who see the item."""
    item = get_work_item_or_404(g.actor, work_item_id)
    return evidence_response(get_evidence_file_or_404(g.actor, item, evidence_id))
