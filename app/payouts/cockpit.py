"""The cockpit's payouts tile: statements not paid yet and what they come to."""

from __future__ import annotations

from flask import url_for

from app.core.cockpit import Tile, cockpit_tile
from app.core.money import page_money
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.payouts.queries import payouts_due

SHOWN_CURRENCIES = 2


@cockpit_tile(60)
def payouts_tile(actor: Actor) -> Tile | None:
    if not actor.sees_costs:
        return None
    count, totals = payouts_due(actor.agency)
    amounts = sorted(totals.items(), key=lambda item: -item[1])
    detail = " · ".join(page_money(t, c) for c, t in amounts[:SHOWN_CURRENCIES])
    if len(amounts) > SHOWN_CURRENCIES:
        detail += " …"
    return Tile(
        key="payouts",
        label=gettext("Payouts due"),
        value=ngettext("%(num)d statement", "%(num)d statements", count),
        detail=detail or gettext("Everyone is paid"),
        tone="warning" if count else "",
        icon="wallet2",
        href=url_for("payouts.index", agency_slug=actor.agency.slug),
    )
