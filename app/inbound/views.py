"""Pages of requests by email: one work request with its thread and files, for owners and
managers (/<agency_slug>/requests/<id>, where they answer) and for the client contact
(/<agency_slug>/portal/requests/<id>, where they answer too); a request's file as a
download; and the owner's button that replaces a client's intake address (shown on the
client page, see `intake_panel`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.clients.queries import get_client_or_404
from app.core.errors import DomainError, Forbidden
from app.core.idempotency import once_per_form
from app.core.permissions import MANAGERS, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.inbound import answers, policy, services
from app.inbound.addresses import address_of, rotate_intake_address
from app.inbound.queries import get_request_file_or_404, intake_token, request_thread
from app.inbound.schemas import ReplyIn
from app.portal.work_requests import get_work_request_or_404
from app.work.downloads import evidence_response

bp = Blueprint("inbound", __name__, template_folder="templates")

DROPPED_REASONS = {
    "too_large": lazy_gettext("too large"),
    "empty": lazy_gettext("empty"),
    "refused_type": lazy_gettext("type not accepted"),
}
STATUS_LABELS = {
    "open": lazy_gettext("Waiting for a decision"),
    "accepted": lazy_gettext("Accepted"),
    "declined": lazy_gettext("Declined"),
}


@bp.app_template_global()
def intake_panel(client: Any) -> dict | None:
    """What the client page shows of the intake address, or None for viewers who may not
    see it."""
    actor = g.get("actor")
    if actor is None or client is None or not policy.can_see_intake_address(actor, client):
        return None
    token = intake_token(client)
    return {
        "address": address_of(token) if token else None,
        "can_rotate": policy.can_rotate_intake_address(actor, client),
        "slug": actor.agency.slug,
    }


def _render(template: str, work_request: Any, values: dict, errors: dict, status: int = 200):
    return render_template(
        template,
        work_request=work_request,
        thread=request_thread(work_request),
        DROPPED_REASONS=DROPPED_REASONS,
        STATUS_LABELS=STATUS_LABELS,
        can_reply=policy.can_reply_to_request(g.actor, work_request),
        can_answer=policy.can_answer_request(g.actor, work_request),
        values=values,
        errors=errors,
    ), status


@bp.get("/<agency_slug>/requests/<int:request_id>")
@roles(*MANAGERS)
def show_request(agency_slug: str, request_id: int) -> ResponseReturnValue:
    """One request: what was asked, its files, its thread, and the answer form."""
    work_request = get_work_request_or_404(g.actor, request_id)
    return _render("inbound/request.html", work_request, {}, {})


@bp.post("/<agency_slug>/requests/<int:request_id>/replies")
@roles(*MANAGERS)
@once_per_form
def reply(agency_slug: str, request_id: int) -> ResponseReturnValue:
    """Answer the request; the client contact is emailed and may answer by email."""
    work_request = get_work_request_or_404(g.actor, request_id)
    if not policy.can_reply_to_request(g.actor, work_request):
        raise Forbidden(_("Only owners and managers answer requests."))
    try:
        data = load_form(ReplyIn(), request.form)
        services.reply_to_request(
            g.actor, work_request, data["body"], asks_client=data.get("asks_client", False)
        )
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _render("inbound/request.html", work_request, request.form.to_dict(), errors,
                       exc.status)  # fmt: skip
    flash(_("Answer sent to the client."), "success")
    return redirect(url_for("inbound.show_request", agency_slug=agency_slug, request_id=request_id))


@bp.get("/<agency_slug>/portal/requests/<int:request_id>")
@roles("client")
def portal_request(agency_slug: str, request_id: int) -> ResponseReturnValue:
    """The client contact's view of one of their requests and its thread."""
    work_request = get_work_request_or_404(g.actor, request_id)
    return _render("inbound/portal_request.html", work_request, {}, {})


@bp.post("/<agency_slug>/portal/requests/<int:request_id>/replies")
@roles("client")
@once_per_form
def portal_reply(agency_slug: str, request_id: int) -> ResponseReturnValue:
    """The client contact answers in the request's thread; owners and managers are told."""
    work_request = get_work_request_or_404(g.actor, request_id)
    if not policy.can_answer_request(g.actor, work_request):
        raise Forbidden(_("Only the client's contacts answer in this conversation."))
    try:
        data = load_form(ReplyIn(), request.form)
        answers.answer_request(g.actor, work_request, data["body"])
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _render("inbound/portal_request.html", work_request, request.form.to_dict(),
                       errors, exc.status)  # fmt: skip
    flash(_("Answer sent to the agency."), "success")
    return redirect(
        url_for("inbound.portal_request", agency_slug=agency_slug, request_id=request_id)
    )


@bp.get("/<agency_slug>/requests/<int:request_id>/files/<int:file_id>")
@roles(*MANAGERS, "client")
def download_file(agency_slug: str, request_id: int, file_id: int) -> ResponseReturnValue:
    """A file that came with the request's mail, always as a download."""
    work_request = get_work_request_or_404(g.actor, request_id)
    return evidence_response(get_request_file_or_404(work_request, file_id))


@bp.post("/<agency_slug>/clients/<int:client_id>/intake-address")
@roles("owner")
def rotate_address(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """Make the client's intake address, or replace it (the old one stops working)."""
    client = get_client_or_404(g.actor, client_id)
    if not policy.can_rotate_intake_address(g.actor, client):
        raise Forbidden(_("Only owners replace intake addresses."))
    address = rotate_intake_address(g.actor, client)
    commit()
    flash(
        _("Requests for %(client)s now go to %(address)s.", client=client.name,
          address=address_of(address.token)),
        "success",
    )  # fmt: skip
    return redirect(url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id))
