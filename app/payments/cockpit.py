"""The cockpit's receivables tile: what clients owe, and how much of it is late."""

from __future__ import annotations

from flask import url_for

from app.core.cockpit import Tile, cockpit_tile
from app.core.money import page_money
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.payments.overview import money_overview

SHOWN_CURRENCIES = 2


@cockpit_tile(40)
def receivables_tile(actor: Actor) -> Tile | None:
    """Overdue invoices and their amounts per currency (the largest first)."""
    owed = money_overview(actor)
    if owed is None or not actor.is_manager:
        return None
    late = sorted((o for o in owed if o.overdue_invoices), key=lambda o: -o.overdue_minor)
    count = sum(o.overdue_invoices for o in late)
    amounts = " · ".join(page_money(o.overdue_minor, o.currency) for o in late[:SHOWN_CURRENCIES])
    if len(late) > SHOWN_CURRENCIES:
        amounts += " …"
    outstanding = sum(o.invoices for o in owed)
    return Tile(
        key="receivables",
        label=gettext("Overdue invoices"),
        value=ngettext("%(num)d invoice", "%(num)d invoices", count),
        detail=amounts
        or ngettext(
            "%(num)d invoice open, none late", "%(num)d invoices open, none late", outstanding
        ),
        tone="danger" if count else "",
        icon="cash-coin",
        href=url_for("invoices.receivables", agency_slug=actor.agency.slug),
    )
