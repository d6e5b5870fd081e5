"""The cockpit's response-time tile: clocks past their promise this month (agency's local
month), and how many are waiting for an answer now."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from app.capacity.intervals import local_instant, zone_of
from app.core.clock import today_in
from app.core.cockpit import Tile, cockpit_tile
from app.core.formatting import format_number
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext
from app.extensions import db
from app.promises.models import ResponseClock
from app.promises.policy import can_see_promises
from app.promises.queries import breaches_since


@cockpit_tile(15)
def response_tile(actor: Actor) -> Tile | None:
    if not can_see_promises(actor):
        return None
    zone = actor.agency.time_zone or "UTC"
    today = today_in(zone)
    month_start = local_instant(today.replace(day=1), 0, zone_of(zone))
    breaches = breaches_since(month_start)
    waiting = (
        db.session.scalar(
            sa.select(sa.func.count(ResponseClock.id)).where(ResponseClock.state == "running")
        )
        or 0
    )
    return Tile(
        key="response_promise",
        label=gettext("Response promises broken this month"),
        value=format_number(breaches),
        detail=ngettext(
            "%(num)d message waiting for an answer",
            "%(num)d messages waiting for an answer",
            waiting,
        ),
        tone="danger" if breaches else "",
        icon="stopwatch",
        href=url_for("promises.list_clocks", agency_slug=actor.agency.slug),
    )
