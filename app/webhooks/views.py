"""HTML pages of outgoing webhooks (owners only): the endpoints with the form to add one,
and one endpoint's page (edit, rotate the secret, disable/enable, delivery log, send
again). A new secret is shown on the page that made it, once; nobody may cache it."""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.core.errors import ValidationFailed
from app.core.permissions import authorize as _authorize
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.webhooks.events import EVENTS
from app.webhooks.models import WebhookEndpoint
from app.webhooks.policy import can_manage_webhooks
from app.webhooks.queries import (
    agency_endpoints,
    get_delivery_or_404,
    get_endpoint_or_404,
    recent_deliveries,
)
from app.webhooks.schemas import EndpointIn
from app.webhooks.services import create_endpoint, resend, rotate_secret, set_enabled
from app.webhooks.services import update_endpoint as update_service

bp = Blueprint("webhooks", __name__, template_folder="templates")


def _secret_page(response: ResponseReturnValue) -> ResponseReturnValue:
    page = make_response(response)
    page.headers["Cache-Control"] = "no-store"
    return page


def _posted_values() -> dict:
    return {
        "url": request.form.get("url", ""),
        "description": request.form.get("description", ""),
        "events": request.form.getlist("events"),
    }


def _render_list(errors: dict | None = None, status: int = 200, secret: str | None = None):
    return render_template(
        "webhooks/list.html",
        endpoints=agency_endpoints(g.actor),
        events=EVENTS,
        values=_posted_values() if errors else {"events": []},
        errors=errors or {},
        secret=secret,
    ), status


def _render_detail(
    endpoint: WebhookEndpoint,
    errors: dict | None = None,
    status: int = 200,
    secret: str | None = None,
):
    return render_template(
        "webhooks/detail.html",
        endpoint=endpoint,
        deliveries=recent_deliveries(endpoint),
        events=EVENTS,
        values=_posted_values() if errors else _form_values_of(endpoint),
        errors=errors or {},
        secret=secret,
    ), status


def _form_values_of(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "description": endpoint.description or "",
        "events": endpoint.events,
    }


def _detail_url(endpoint: WebhookEndpoint) -> str:
    return url_for(
        "webhooks.endpoint_detail", agency_slug=g.actor.agency.slug, webhook_id=endpoint.id
    )


@bp.route("/<agency_slug>/settings/webhooks", methods=["GET", "POST"])
@roles("owner")
def list_endpoints(agency_slug: str) -> ResponseReturnValue:
    """The agency's webhook endpoints, and the form to register one."""
    _authorize(can_manage_webhooks(g.actor))
    if request.method == "POST":
        try:
            data = load_form(EndpointIn(), request.form)
            endpoint, secret = create_endpoint(g.actor, data)
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_list(exc.errors, 422)
        flash(
            _("Webhook endpoint added. Copy its signing secret now: it is shown only once."),
            "success",
        )
        return _secret_page(_render_detail(endpoint, secret=secret))
    return _render_list()


@bp.route("/<agency_slug>/settings/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@roles("owner")
def endpoint_detail(agency_slug: str, webhook_id: int) -> ResponseReturnValue:
    """One endpoint: edit it, and its delivery log."""
    endpoint = get_endpoint_or_404(g.actor, webhook_id)
    _authorize(can_manage_webhooks(g.actor))
    if request.method == "POST":
        try:
            data = load_form(EndpointIn(), request.form)
            update_service(g.actor, endpoint, data)
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_detail(get_endpoint_or_404(g.actor, webhook_id), exc.errors, 422)
        flash(_("Webhook endpoint saved."), "success")
        return redirect(_detail_url(endpoint))
    return _render_detail(endpoint)


@bp.route("/<agency_slug>/settings/webhooks/<int:webhook_id>/rotate", methods=["POST"])
@roles("owner")
def rotate(agency_slug: str, webhook_id: int) -> ResponseReturnValue:
    """A new signing secret; the old one keeps signing for 24 hours."""
    endpoint = get_endpoint_or_404(g.actor, webhook_id)
    _authorize(can_manage_webhooks(g.actor))
    secret = rotate_secret(g.actor, endpoint)
    commit()
    flash(_("New signing secret made. The old one stays valid for 24 hours."), "success")
    return _secret_page(_render_detail(endpoint, secret=secret))


@bp.route("/<agency_slug>/settings/webhooks/<int:webhook_id>/enabled", methods=["POST"])
@roles("owner")
def toggle(agency_slug: str, webhook_id: int) -> ResponseReturnValue:
    """Disable or enable the endpoint (`enabled` = on / off)."""
    endpoint = get_endpoint_or_404(g.actor, webhook_id)
    _authorize(can_manage_webhooks(g.actor))
    enabled = request.form.get("enabled") in ("on", "true", "1", "yes")
    set_enabled(g.actor, endpoint, enabled)
    commit()
    flash(_("Webhook endpoint enabled.") if enabled else _("Webhook endpoint disabled."), "success")
    return redirect(_detail_url(endpoint))


@bp.route(
    "/<agency_slug>/settings/webhooks/<int:webhook_id>/deliveries/<int:webhook_delivery_id>/resend",
    methods=["POST"],
)
@roles("owner")
def resend_delivery(agency_slug: str, webhook_id: int, webhook_delivery_id: int):
    """Send a delivery's event again (a new delivery)."""
    endpoint = get_endpoint_or_404(g.actor, webhook_id)
    delivery = get_delivery_or_404(endpoint, webhook_delivery_id)
    _authorize(can_manage_webhooks(g.actor))
    resend(g.actor, delivery)
    commit()
    flash(_("The event is queued to be sent again."), "success")
    return redirect(_detail_url(endpoint))
