"""The cockpit's satisfaction tile: CSAT average and NPS of the last 90 days."""

from __future__ import annotations

from flask import url_for

from app.core.cockpit import Tile, cockpit_tile
from app.core.formatting import format_number
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.surveys.figures import TILE_DAYS, overall
from app.surveys.policy import can_view_satisfaction


@cockpit_tile(65)
def satisfaction_tile(actor: Actor) -> Tile | None:
    if not can_view_satisfaction(actor):
        return None
    figure = overall()
    csat = format_number(figure.csat) if figure.csat is not None else "—"
    nps = format_number(figure.nps) if figure.nps is not None else "—"
    answers = figure.csat_count + figure.nps_count
    low = (figure.csat is not None and figure.csat < 3.5) or (
        figure.nps is not None and figure.nps < 0
    )
    return Tile(
        key="satisfaction",
        label=gettext("Client satisfaction, last %(days)d days", days=TILE_DAYS),
        value=gettext("CSAT %(csat)s · NPS %(nps)s", csat=csat, nps=nps),
        detail=ngettext("%(num)d answer", "%(num)d answers", answers),
        tone="warning" if low else "",
        icon="emoji-smile",
        href=url_for("surveys.satisfaction", agency_slug=actor.agency.slug),
    )
