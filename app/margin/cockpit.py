"""The cockpit's margin tile: this month's margin in the base currency, and the clients
that lose money (for those who see costs)."""

from __future__ import annotations

from flask import url_for

from app.core.clock import today_in
from app.core.cockpit import Tile, cockpit_tile
from app.core.formatting import format_percent
from app.core.money import page_money
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.margin.policy import can_see_margin
from app.margin.summary import month_margin


@cockpit_tile(50)
def margin_tile(actor: Actor) -> Tile | None:
    if not can_see_margin(actor):
        return None
    month = today_in(actor.agency.time_zone).replace(day=1)
    summary = month_margin(month, agency=actor.agency)
    if summary.margin_base is None:
        value, detail = "—", gettext("A rate to the base currency is missing.")
    else:
        value = page_money(summary.margin_base, summary.base_currency)
        detail = (
            gettext("%(percent)s of billed", percent=format_percent(summary.margin_percent / 100))
            if summary.margin_percent is not None
            else gettext("Nothing billed yet")
        )
    losing = summary.losing_clients
    if losing:
        detail = ngettext("%(num)d client losing money", "%(num)d clients losing money", losing)
    return Tile(
        key="margin",
        label=gettext("Margin this month"),
        value=value,
        detail=detail,
        tone="danger" if losing or (summary.margin_base or 0) < 0 else "",
        icon="graph-up-arrow",
        href=url_for("margin.report", agency_slug=actor.agency.slug, month=month.strftime("%Y-%m")),
    )
