"""The cockpit's workload tile: people over capacity this week (planned hours of their open
work and retainers against their working hours, time off and holidays), and how many show
strain signals (app.capacity.strain)."""

from __future__ import annotations

import datetime as dt

from flask import url_for

from app.capacity.policy import can_decide
from app.capacity.queries import staff_members
from app.capacity.strain import team_load
from app.core.clock import today_in, utcnow
from app.core.cockpit import Tile, cockpit_tile
from app.core.permissions import Actor
from app.core.translation import gettext, ngettext


@cockpit_tile(10)
def workload_tile(actor: Actor) -> Tile | None:
    if not can_decide(actor):
        return None
    today = today_in(actor.agency.time_zone)
    monday = today - dt.timedelta(days=today.weekday())
    people = staff_members()
    ids = [m.id for m in people]
    cells, signals = team_load(ids, monday, utcnow())
    this_week = [cell for (_, week), cell in cells.items() if week == monday]
    over = sum(1 for cell in this_week if cell.over)
    tight = sum(1 for cell in this_week if cell.low_buffer)
    strained = sum(1 for s in signals.values() if s.signals)
    room = (
        ngettext("%(num)d more with under 15 %% free", "%(num)d more with under 15 %% free", tight)
        if tight
        else gettext("Everyone else has room")
    )
    if strained:
        room = gettext(
            "%(room)s · %(strain)s",
            room=room,
            strain=ngettext("%(num)d showing strain", "%(num)d showing strain", strained),
        )
    return Tile(
        key="workload",
        label=gettext("Over capacity this week"),
        value=gettext("%(over)d of %(people)d", over=over, people=len(people)),
        detail=room,
        tone="danger" if over else ("warning" if tight or strained else ""),
        icon="people",
        href=url_for("capacity.team_workload", agency_slug=actor.agency.slug),
    )
