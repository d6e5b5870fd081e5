"""The client portal's home: a client contact's own page in the agency's Baton.

What waits for their approval (each with a "Review" link to the item page, where they
approve or ask for changes), what the agency is working on for them, what was delivered, and
what they owe, per currency, with their latest invoices. Client contacts land here from the
dashboard; nobody else has a portal.

"Ask us for something": a client contact's work request (POST /<agency_slug>/portal/requests)
and, for owners and managers, the requests page (/<agency_slug>/requests) where each open
request becomes a work item (the new-work-item form, prefilled) or is declined with a reason.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.audit.labels import ACTION_LABELS
from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import DomainError, Forbidden
from app.core.idempotency import once_per_form
from app.core.money import format_money
from app.core.permissions import MANAGERS, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.invoices.blueprint import STATUS_LABELS
from app.payments.deposit_gate import client_sentence, deposit_hold
from app.portal import policy, services
from app.portal.queries import portal_home
from app.portal.schemas import DeclineIn, WorkRequestIn
from app.portal.work_requests import get_work_request_or_404, request_lists, waited
from app.retainers.hours import hours_of
from app.retainers.queries import portal_hour_banks
from app.vault.policy import can_see_vault_activity
from app.vault.queries import client_vault_activity

bp = Blueprint("portal", __name__, template_folder="templates")

CLIENT_STATE_LABELS = {
    "awaiting_client": lazy_gettext("Waiting for you"),
    "client_approved": lazy_gettext("Approved by you"),
    "client_changes": lazy_gettext("Changes you asked for"),
    "approved": lazy_gettext("Passed our QA"),
    "in_progress": lazy_gettext("Being reworked"),
    "changes_requested": lazy_gettext("Being reworked"),
    "submitted": lazy_gettext("In our review"),
    "in_review": lazy_gettext("In our review"),
    "todo": lazy_gettext("Planned"),
    "delivered": lazy_gettext("Delivered"),
    "cancelled": lazy_gettext("Cancelled"),
}


REQUEST_STATUS_LABELS = {
    "open": lazy_gettext("Waiting for us"),
    "accepted": lazy_gettext("Accepted"),
    "declined": lazy_gettext("Declined"),
}


def _render_home(values: dict, errors: dict, status: int = 200) -> ResponseReturnValue:
    client = db.session.get(Client, g.actor.membership.client_id)
    hold = deposit_hold(client) if client is not None else None
    return render_template(
        "portal/home.html",
        deposit_note=client_sentence(hold) if hold else None,
        home=portal_home(g.actor),
        hour_banks=portal_hour_banks(g.actor),
        hours=hours_of,
        money=format_money,
        STATUS_LABELS=STATUS_LABELS,
        STATE_LABELS=CLIENT_STATE_LABELS,
        REQUEST_STATUS_LABELS=REQUEST_STATUS_LABELS,
        values=values,
        errors=errors,
        # The contract terms of the contact's own client.
        contract_client=db.session.get(Client, g.actor.membership.client_id or 0),
    ), status


@bp.get("/<agency_slug>/portal")
@roles("client")
def home(agency_slug: str) -> ResponseReturnValue:
    """The client contact's home: approvals, work in progress, deliveries, what is owed,
    and the form to ask for something."""
    return _render_home({}, {})


@bp.post("/<agency_slug>/portal/requests")
@roles("client")
@once_per_form
def create_request(agency_slug: str) -> ResponseReturnValue:
    """A client contact asks for work on their own client; owners and managers are emailed."""
    if not policy.can_ask_for_work(g.actor):
        raise Forbidden(_("Only a client contact can ask for work here."))
    try:
        data = load_form(WorkRequestIn(), request.form)
        work_request = services.create_work_request(g.actor, data)
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _render_home(request.form.to_dict(), errors, exc.status)
    flash(
        _(
            "Thank you: we have your request “%(title)s” and will get back to you.",
            title=work_request.title,
        ),
        "success",
    )
    return redirect(url_for("portal.home", agency_slug=agency_slug))


def _render_requests(
    errors: dict | None = None, failed_id: int | None = None, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "portal/requests.html",
        lists=request_lists(g.actor),
        waited=waited,
        REQUEST_STATUS_LABELS=REQUEST_STATUS_LABELS,
        errors=errors or {},
        failed_id=failed_id,
        values=request.form.to_dict() if failed_id else {},
    ), status


@bp.get("/<agency_slug>/requests")
@roles(*MANAGERS)
def list_requests(agency_slug: str) -> ResponseReturnValue:
    """What clients asked for: open requests oldest first, then the latest decided ones."""
    return _render_requests()


@bp.post("/<agency_slug>/requests/<int:request_id>/decline")
@roles(*MANAGERS)
def decline_request(agency_slug: str, request_id: int) -> ResponseReturnValue:
    """Decline an open request with a reason; the client contact who asked is emailed."""
    work_request = get_work_request_or_404(g.actor, request_id)
    if not policy.can_decide_work_request(g.actor, work_request):
        raise Forbidden(_("Only owners and managers decide on requests."))
    try:
        data = load_form(DeclineIn(), request.form)
        services.decline_work_request(g.actor, work_request, data["reason"])
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _render_requests(errors, request_id, exc.status)
    flash(
        _(
            "Request “%(title)s” declined; the client has been told why.",
            title=work_request.title,
        ),
        "success",
    )
    return redirect(url_for("portal.list_requests", agency_slug=agency_slug))


@bp.get("/<agency_slug>/portal/logins")
@roles("client")
def vault_activity(agency_slug: str) -> ResponseReturnValue:
    """Who at the agency revealed, added, changed or deleted which of the client's stored
    logins, and when (names only: the team's emails are not the client's business)."""
    actor = g.actor
    client = get_client_or_404(actor, actor.membership.client_id or 0)
    if not can_see_vault_activity(actor, client):
        raise Forbidden()
    events = client_vault_activity(client)
    return render_template(
        "portal/vault_activity.html",
        client=client,
        events=events,
        ACTION_LABELS=ACTION_LABELS,
        who=lambda e: e.actor_label.split(" <", 1)[0],
    )
