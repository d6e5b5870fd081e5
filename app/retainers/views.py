"""HTML pages of retainers and a client's billing page (retainers, the deposit invoice form,
pausing reminders, recent invoices). Registered on the `invoices` blueprint
(app.invoices.blueprint), like every billing page, so their URLs and names stay one set."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import Conflict, ValidationFailed
from app.core.money import input_value
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.invoices import policy
from app.invoices.blueprint import bp
from app.invoices.csv_export import plain
from app.invoices.queries import client_invoices, invoice_settings, tax_rate_list
from app.invoices.schemas import EmptyIn
from app.payments.deposit_gate import (
    deposit_hold,
    deposit_waiver,
    hold_sentence,
    waive_deposit,
    withdraw_deposit_waiver,
)
from app.payments.deposits import create_deposit_invoice
from app.payments.schemas import DepositIn, DepositWaiverIn
from app.retainers.blueprint import OVERAGE_MODE_LABELS, ROLLOVER_LABELS
from app.retainers.hours import hours_of
from app.retainers.queries import client_banks, client_retainers, get_retainer_or_404
from app.retainers.schemas import RetainerIn
from app.retainers.services import create_retainer, delete_retainer, update_retainer

# --- receivables ---------------------------------------------------------------------------


# --- settings and tax rates ----------------------------------------------------------------


# --- a client's billing page ---------------------------------------------------------------


def _billing_page(
    client: Client,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    actor = g.actor
    hold = deposit_hold(client)
    return render_template(
        "invoices/billing.html",
        client=client,
        plans=client_retainers(actor, client),
        banks=client_banks(actor, client),
        hours=hours_of,
        ROLLOVER_LABELS=ROLLOVER_LABELS,
        OVERAGE_MODE_LABELS=OVERAGE_MODE_LABELS,
        invoices=client_invoices(actor, client),
        tax_rates=tax_rate_list(actor, active_only=True),
        deposit_hold=hold,
        deposit_hold_text=hold_sentence(hold) if hold else None,
        deposit_waiver=deposit_waiver(client),
        can_waive=policy.can_waive_deposit(actor, client),
        settings=invoice_settings(),
        errors=errors or {},
        values=values or {},
        input_value=input_value,
        # Reminders are paused per client on the reminders' own route, when it exists.
        pause_client_endpoint="reminders.pause_client"
        if "reminders.pause_client" in current_app.view_functions
        else None,
    ), status


def _client_for(client_id: int) -> Client:
    client = get_client_or_404(g.actor, client_id)
    _authorize(policy.can_manage_billing(g.actor, client))
    return client


def _billing_url(client_id: int, anchor: str = "") -> str:
    url = url_for("invoices.client_billing", agency_slug=g.actor.agency.slug, client_id=client_id)
    return url + (f"#{anchor}" if anchor else "")


@bp.get("/<agency_slug>/clients/<int:client_id>/billing")
@roles(*MANAGERS)
def client_billing(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """Retainers, deposit invoices, reminders and recent invoices of one client."""
    return _billing_page(_client_for(client_id))


def _billing_act(client: Client, form: str, schema, action, message, anchor: str):
    client_id = client.id
    try:
        result = action(load_form(schema, request.form))
        commit()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        client = get_client_or_404(g.actor, client_id)
        return _billing_page(
            client,
            errors={form: exc.errors or {"_schema": [exc.message]}},
            values={form: request.form.to_dict()},
            status=exc.status,
        )
    flash(message(result) if callable(message) else message, "success")
    return result


@bp.post("/<agency_slug>/clients/<int:client_id>/retainers")
@roles(*MANAGERS)
def add_retainer(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = _client_for(client_id)
    result = _billing_act(
        client,
        "retainer",
        RetainerIn(),
        lambda d: create_retainer(g.actor, client, d),
        _("Retainer added."),
        "retainers",
    )
    return redirect(_billing_url(client_id, "retainers")) if _done(result) else result


def _done(result: object) -> bool:
    return not isinstance(result, tuple)


@bp.route("/<agency_slug>/retainers/<int:retainer_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_retainer(agency_slug: str, retainer_id: int) -> ResponseReturnValue:
    plan = get_retainer_or_404(g.actor, retainer_id)
    client = _client_for(plan.client_id)
    values = {
        "description": plan.description,
        "monthly_amount": input_value(plan.monthly_amount_minor, plan.currency),
        "currency": plan.currency,
        "included_hours": plain(plan.included_hours) if plan.included_hours is not None else "",
        "active": plan.active,
        "rollover_policy": plan.rollover_policy,
        "rollover_hours": plain(plan.rollover_hours) if plan.rollover_hours is not None else "",
        "rollover_months": plan.rollover_months,
        "overage_rate": input_value(plan.overage_rate_minor, plan.currency)
        if plan.overage_rate_minor is not None
        else "",
        "overage_mode": plan.overage_mode,
        "alert_client_contact": plan.alert_client_contact,
    }
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        values["active"] = "active" in request.form
        values["alert_client_contact"] = "alert_client_contact" in request.form
        try:
            update_retainer(g.actor, plan, load_form(RetainerIn(), request.form))
            commit()
            flash(_("Retainer saved."), "success")
            return redirect(_billing_url(client.id, "retainers"))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template(
        "invoices/retainer_form.html",
        plan=plan,
        client=client,
        values=values,
        errors=errors,
        ROLLOVER_LABELS=ROLLOVER_LABELS,
        OVERAGE_MODE_LABELS=OVERAGE_MODE_LABELS,
    ), (422 if errors else 200)


@bp.post("/<agency_slug>/retainers/<int:retainer_id>/delete")
@roles(*MANAGERS)
def remove_retainer(agency_slug: str, retainer_id: int) -> ResponseReturnValue:
    plan = get_retainer_or_404(g.actor, retainer_id)
    client = _client_for(plan.client_id)
    result = _billing_act(
        client,
        "retainers",
        EmptyIn(),
        lambda d: delete_retainer(g.actor, plan),
        _("Retainer removed."),
        "retainers",
    )
    return redirect(_billing_url(client.id, "retainers")) if _done(result) else result


@bp.post("/<agency_slug>/clients/<int:client_id>/deposit-invoice")
@roles(*MANAGERS)
def create_deposit(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = _client_for(client_id)
    result = _billing_act(
        client,
        "deposit",
        DepositIn(),
        lambda d: create_deposit_invoice(g.actor, client, d),
        _("Deposit invoice drafted: check it, then issue it."),
        "deposit",
    )
    if not _done(result):
        return result
    return redirect(url_for("invoices.show_invoice", agency_slug=agency_slug, invoice_id=result.id))


@bp.post("/<agency_slug>/clients/<int:client_id>/deposit-waiver")
@roles("owner")
def waive_client_deposit(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """An owner lets the client's work start before its deposit is paid (with a reason)."""
    client = _client_for(client_id)
    _authorize(policy.can_waive_deposit(g.actor, client))
    result = _billing_act(
        client,
        "waiver",
        DepositWaiverIn(),
        lambda d: waive_deposit(g.actor, client, d["reason"]),
        _("Deposit waived: the work may start."),
        "deposit",
    )
    return redirect(_billing_url(client.id, "deposit")) if _done(result) else result


@bp.post("/<agency_slug>/clients/<int:client_id>/deposit-waiver/withdraw")
@roles("owner")
def withdraw_client_deposit_waiver(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = _client_for(client_id)
    _authorize(policy.can_waive_deposit(g.actor, client))
    result = _billing_act(
        client,
        "waiver",
        EmptyIn(),
        lambda d: withdraw_deposit_waiver(g.actor, client),
        _("Waiver withdrawn: work not yet started waits for the deposit."),
        "deposit",
    )
    return redirect(_billing_url(client.id, "deposit")) if _done(result) else result
