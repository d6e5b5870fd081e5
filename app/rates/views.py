"""HTML pages of rates: the agency's rates (its default and the service packages'), a
client's rates (the client's, its people's overrides and its work items'), a person's costs,
and the time-billing settings.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the domain
schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.clock import today_in
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.rates import policy
from app.rates.blueprint import bp
from app.rates.models import INCREMENTS
from app.rates.pricing import current_cost_rates
from app.rates.queries import (
    SETTINGS_DEFAULTS,
    agency_rates,
    billing_settings,
    client_rates,
    client_work_items,
    cost_rates_of,
    get_bill_rate_or_404,
    get_cost_rate_or_404,
    package_rates,
    packages,
    staff_members,
)
from app.rates.schemas import BillRateIn, CostRateFormIn, TimeBillingSettingsIn
from app.rates.services import (
    add_bill_rate,
    add_cost_rate,
    delete_bill_rate,
    delete_cost_rate,
    update_time_billing_settings,
)
from app.sops.models import Sop
from app.sops.queries import visible_sops
from app.users.queries import get_member_or_404
from app.work.models import WorkItem

COST_ROLES = ("owner", "manager", "va")


def _form() -> MultiDict:
    return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "next"])


# --- the agency's rates ------------------------------------------------------------------------


def _overview(values: dict | None = None, errors: dict | None = None, status: int = 200):
    catalogue = packages()
    return render_template(
        "rates/overview.html",
        default_rates=agency_rates(),
        packages=catalogue,
        package_options=[(p.id, p.name) for p in catalogue],
        package_rates=package_rates(),
        people=staff_members() if g.actor.sees_costs else [],
        values=values or {"level": "agency", "currency": g.actor.agency.base_currency},
        errors=errors or {},
        can_manage=policy.can_manage_bill_rates(g.actor),
    ), status


@bp.get("/<agency_slug>/rates")
@roles(*MANAGERS)
def overview(agency_slug: str) -> ResponseReturnValue:
    """The agency default bill rate and the service packages' rates, with their history."""
    _authorize(policy.can_see_bill_rates(g.actor))
    return _overview()


@bp.post("/<agency_slug>/rates")
@roles(*MANAGERS)
def add_rate(agency_slug: str) -> ResponseReturnValue:
    """Add a dated agency default or package rate."""
    _authorize(policy.can_manage_bill_rates(g.actor))
    form = _form()
    try:
        data = load_form(BillRateIn(), form)
        if data["level"] not in ("agency", "package"):
            raise ValidationFailed({"level": [_("Set client rates on the client's Rates page.")]})
        add_bill_rate(g.actor, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _overview(form.to_dict(), exc.errors, 422)
    flash(_("Rate added. Billed invoices keep their amounts."), "success")
    return redirect(url_for("rates.overview", agency_slug=agency_slug))


# --- a client's rates --------------------------------------------------------------------------


def _client_page(client: Client, values=None, errors=None, status: int = 200):
    people, items = staff_members(), client_work_items(client)
    return render_template(
        "rates/client.html",
        client=client,
        rates=client_rates(client),
        people=people,
        work_items=items,
        person_options=[(m.id, m.user.name) for m in people],
        item_options=[(w.id, w.title) for w in items],
        values=values or {"level": "client", "currency": client.currency},
        errors=errors or {},
        can_manage=policy.can_manage_bill_rates(g.actor),
    ), status


@bp.get("/<agency_slug>/clients/<int:client_id>/rates")
@roles(*MANAGERS)
def client_rates_page(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """The client's rate, its people's overrides and its work items' rates."""
    client = get_client_or_404(g.actor, client_id)
    _authorize(policy.can_see_bill_rates(g.actor))
    return _client_page(client)


@bp.post("/<agency_slug>/clients/<int:client_id>/rates")
@roles(*MANAGERS)
def add_client_rate(agency_slug: str, client_id: int) -> ResponseReturnValue:
    client = get_client_or_404(g.actor, client_id)
    _authorize(policy.can_manage_bill_rates(g.actor))
    form = _form()
    try:
        data = load_form(BillRateIn(), form)
        if data["level"] not in ("client", "client_member", "work_item"):
            raise ValidationFailed({"level": [_("Choose the client, a person or a work item.")]})
        data["client_id"] = client.id
        add_bill_rate(g.actor, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        client = get_client_or_404(g.actor, client_id)
        return _client_page(client, form.to_dict(), exc.errors, 422)
    flash(_("Rate added. Billed invoices keep their amounts."), "success")
    return redirect(
        url_for("rates.client_rates_page", agency_slug=agency_slug, client_id=client_id)
    )


@bp.post("/<agency_slug>/bill-rates/<int:rate_id>/delete")
@roles(*MANAGERS)
def delete_rate(agency_slug: str, rate_id: int) -> ResponseReturnValue:
    rate = get_bill_rate_or_404(g.actor, rate_id)
    _authorize(policy.can_manage_bill_rates(g.actor))
    client_id = rate.client_id
    if client_id is None and rate.work_item_id is not None:
        client_id = db.session.get(WorkItem, rate.work_item_id).client_id
    delete_bill_rate(g.actor, rate)
    commit()
    flash(_("Rate removed. Time not billed yet follows the rates left."), "success")
    if client_id is not None:
        return redirect(
            url_for("rates.client_rates_page", agency_slug=agency_slug, client_id=client_id)
        )
    return redirect(url_for("rates.overview", agency_slug=agency_slug))


# --- a person's costs --------------------------------------------------------------------------


def _member_page(member, values=None, errors=None, status: int = 200):
    actor = g.actor
    rows = cost_rates_of(actor, member)
    sops = list(db.session.scalars(visible_sops(actor).order_by(Sop.title, Sop.id)))
    today = today_in(actor.agency.time_zone)
    return render_template(
        "rates/member.html",
        member=member,
        rows=rows,
        current=current_cost_rates(rows, today),
        base=member if member.cost_rate_minor is not None else None,
        sees=policy.can_see_costs_of(actor, member),
        can_manage=policy.can_manage_costs(actor),
        sop_titles={s.id: s.title for s in sops},
        sop_options=[(s.id, s.title) for s in sops if not s.is_archived],
        values=values or {"kind": "hourly", "currency": actor.agency.base_currency},
        errors=errors or {},
    ), status


@bp.get("/<agency_slug>/team/<int:member_id>/rates")
@roles(*COST_ROLES)
def member_rates(agency_slug: str, member_id: int) -> ResponseReturnValue:
    """A person's costs: by the hour and per work item of an SOP, with their history."""
    member = get_member_or_404(g.actor, member_id)
    return _member_page(member)


@bp.post("/<agency_slug>/team/<int:member_id>/rates")
@roles(*MANAGERS)
def add_member_cost(agency_slug: str, member_id: int) -> ResponseReturnValue:
    member = get_member_or_404(g.actor, member_id)
    _authorize(policy.can_manage_costs(g.actor))
    form = _form()
    try:
        add_cost_rate(g.actor, member, load_form(CostRateFormIn(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        member = get_member_or_404(g.actor, member_id)
        return _member_page(member, form.to_dict(), exc.errors, 422)
    flash(_("Cost added. Payouts already made keep theirs."), "success")
    return redirect(url_for("rates.member_rates", agency_slug=agency_slug, member_id=member_id))


@bp.post("/<agency_slug>/cost-rates/<int:cost_rate_id>/delete")
@roles(*MANAGERS)
def delete_member_cost(agency_slug: str, cost_rate_id: int) -> ResponseReturnValue:
    rate = get_cost_rate_or_404(g.actor, cost_rate_id)
    _authorize(policy.can_manage_costs(g.actor))
    member_id = rate.membership_id
    delete_cost_rate(g.actor, rate)
    commit()
    flash(_("Cost removed."), "success")
    return redirect(url_for("rates.member_rates", agency_slug=agency_slug, member_id=member_id))


# --- settings ----------------------------------------------------------------------------------


def _settings_values() -> dict:
    row = billing_settings()
    values = {k: getattr(row, k) for k in SETTINGS_DEFAULTS}
    values["managers_see_costs"] = g.actor.agency.managers_see_costs
    return values


@bp.route("/<agency_slug>/rates/settings", methods=["GET", "POST"])
@roles("owner")
def settings(agency_slug: str) -> ResponseReturnValue:
    """Rounding of each entry, who sees costs, billing QA-approved work only."""
    _authorize(policy.can_manage_time_billing(g.actor))
    values, errors = _settings_values(), {}
    if request.method == "POST":
        form = _form()
        try:
            update_time_billing_settings(g.actor, load_form(TimeBillingSettingsIn(), form))
            commit()
            flash(_("Time billing settings saved."), "success")
            return redirect(url_for("rates.settings", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            values = form.to_dict()
            for key in ("managers_see_costs", "bill_only_qa_approved"):
                values[key] = key in form
            errors = exc.errors
    return render_template(
        "rates/settings.html",
        values=values,
        errors=errors,
        increments=INCREMENTS,
        default_rates=agency_rates(),
    ), (422 if errors else 200)
