"""HTML pages of invoice settings (numbering, rounding, recurring day, reminders on/off) and
tax rates (owners).
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.core.errors import ValidationFailed
from app.core.permissions import authorize as _authorize
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.invoices import policy
from app.invoices.blueprint import bp
from app.invoices.models import ROUNDING_MODES
from app.invoices.queries import (
    SETTINGS_DEFAULTS,
    get_tax_rate_or_404,
    invoice_settings,
    tax_rate_list,
)
from app.invoices.schemas import SettingsIn, TaxRateIn
from app.invoices.settings import create_tax_rate, update_invoice_settings, update_tax_rate


def _settings_page(
    values: dict | None = None,
    errors: dict | None = None,
    rate_values: dict | None = None,
    rate_errors: dict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    current = invoice_settings()
    return render_template(
        "invoices/settings.html",
        values=values or {k: getattr(current, k) for k in SETTINGS_DEFAULTS},
        errors=errors or {},
        rate_values=rate_values or {"active": True},
        rate_errors=rate_errors or {},
        tax_rates=tax_rate_list(g.actor),
        rounding_modes=ROUNDING_MODES,
    ), status


@bp.route("/<agency_slug>/invoice-settings", methods=["GET", "POST"])
@roles("owner")
def settings(agency_slug: str) -> ResponseReturnValue:
    """Numbering format, yearly restart, rounding rule, recurring day and tax rates."""
    _authorize(policy.can_manage_invoice_settings(g.actor))
    if request.method == "GET":
        return _settings_page()
    try:
        update_invoice_settings(g.actor, load_form(SettingsIn(), request.form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        values = request.form.to_dict()
        for key in ("restart_yearly", "reminders_enabled", "portal_hour_bank"):
            values[key] = key in request.form
        return _settings_page(values=values, errors=exc.errors, status=422)
    flash(_("Invoice settings saved."), "success")
    return redirect(url_for("invoices.settings", agency_slug=agency_slug))


@bp.post("/<agency_slug>/invoice-settings/tax-rates")
@roles("owner")
def add_tax_rate(agency_slug: str) -> ResponseReturnValue:
    _authorize(policy.can_manage_invoice_settings(g.actor))
    try:
        rate = create_tax_rate(g.actor, load_form(TaxRateIn(), request.form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        values = request.form.to_dict()
        for key in ("inclusive", "active"):
            values[key] = key in request.form
        return _settings_page(rate_values=values, rate_errors=exc.errors, status=422)
    flash(_("Tax rate %(name)s added.", name=rate.name), "success")
    return redirect(url_for("invoices.settings", agency_slug=agency_slug) + "#tax-rates")


@bp.route("/<agency_slug>/tax-rates/<int:tax_rate_id>/edit", methods=["GET", "POST"])
@roles("owner")
def edit_tax_rate(agency_slug: str, tax_rate_id: int) -> ResponseReturnValue:
    rate = get_tax_rate_or_404(g.actor, tax_rate_id)
    _authorize(policy.can_manage_invoice_settings(g.actor))
    values = {
        "name": rate.name,
        "rate_percent": format((rate.rate * 100).normalize(), "f"),
        "inclusive": rate.inclusive,
        "active": rate.active,
    }
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        for key in ("inclusive", "active"):
            values[key] = key in request.form
        try:
            update_tax_rate(g.actor, rate, load_form(TaxRateIn(), request.form))
            commit()
            flash(_("Tax rate saved. Lines written earlier keep the rate they had."), "success")
            return redirect(url_for("invoices.settings", agency_slug=agency_slug) + "#tax-rates")
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template(
        "invoices/tax_rate_form.html", rate=rate, values=values, errors=errors
    ), (422 if errors else 200)
