"""The exchange rates page: the agency's rates to its base currency, by currency, newest
first; owners add and remove them, managers read them."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.core.clock import today_in
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.fx import policy
from app.fx.blueprint import bp
from app.fx.queries import exchange_rates, get_exchange_rate_or_404
from app.fx.schemas import ExchangeRateIn
from app.fx.services import add_exchange_rate, delete_exchange_rate


def _page(values: dict | None = None, errors: dict | None = None, status: int = 200):
    agency = g.actor.agency
    wanted = request.args.get("currency", "")
    day = request.args.get("day", "")
    defaults = {
        "currency": wanted.upper()[:3] if wanted.isalpha() else "",
        "effective_from": day if len(day) == 10 else today_in(agency.time_zone).isoformat(),
    }
    return render_template(
        "fx/rates.html",
        rows=exchange_rates(),
        base_currency=agency.base_currency,
        values=values or defaults,
        errors=errors or {},
        can_manage=policy.can_manage_exchange_rates(g.actor),
    ), status


@bp.get("/<agency_slug>/settings/exchange-rates")
@roles(*MANAGERS)
def rates_page(agency_slug: str) -> ResponseReturnValue:
    """The agency's exchange rates to its base currency."""
    _authorize(policy.can_see_exchange_rates(g.actor))
    return _page()


@bp.post("/<agency_slug>/settings/exchange-rates")
@roles("owner")
def add_rate(agency_slug: str) -> ResponseReturnValue:
    _authorize(policy.can_manage_exchange_rates(g.actor))
    form = MultiDict([(k, v) for k, v in request.form.items(multi=True)])
    try:
        add_exchange_rate(g.actor, load_form(ExchangeRateIn(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(form.to_dict(), exc.errors, 422)
    flash(_("Exchange rate added."), "success")
    return redirect(url_for("fx.rates_page", agency_slug=agency_slug))


@bp.post("/<agency_slug>/settings/exchange-rates/<int:fx_rate_id>/delete")
@roles("owner")
def delete_rate(agency_slug: str, fx_rate_id: int) -> ResponseReturnValue:
    row = get_exchange_rate_or_404(g.actor, fx_rate_id)
    _authorize(policy.can_manage_exchange_rates(g.actor))
    delete_exchange_rate(g.actor, row)
    commit()
    flash(_("Exchange rate removed."), "success")
    return redirect(url_for("fx.rates_page", agency_slug=agency_slug))
