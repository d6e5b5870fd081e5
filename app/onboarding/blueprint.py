"""The onboarding blueprint ("onboarding": every endpoint is onboarding.<view>) and the
client page's "Onboarding" card."""

from __future__ import annotations

from flask import Blueprint, g

from app.onboarding.policy import can_regenerate_packet, can_see_onboarding

bp = Blueprint("onboarding", __name__, template_folder="templates")


@bp.app_template_global()
def onboarding_card(client: object) -> dict | None:
    """The card's values: the latest run's steps and progress (owners, managers, VAs)."""
    from app.onboarding.presenting import run_values
    from app.onboarding.queries import client_run

    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_see_onboarding(actor):
        return None
    run = client_run(client)  # type: ignore[arg-type]
    if run is None:
        return None
    return {**run_values(run), "can_regenerate": can_regenerate_packet(actor)}
