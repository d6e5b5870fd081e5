"""HTML side of recurring work series: the "Repeats" choice of the new-work form, the
series line of an item page, and the pause, resume and end buttons (client page)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from app.clients.models import Client
from app.core.errors import DomainError, ValidationFailed
from app.core.permissions import MANAGERS, Actor, roles
from app.core.translation import gettext, lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.work import policy, series
from app.work.blueprint import authorize, bp
from app.work.models import SERIES_CADENCES, WorkItem

CADENCE_LABELS = {
    "weekly": lazy_gettext("Weekly"),
    "fortnightly": lazy_gettext("Every two weeks"),
    "monthly": lazy_gettext("Monthly"),
}
STATUS_LABELS = {
    "active": lazy_gettext("Active"),
    "paused": lazy_gettext("Paused"),
    "ended": lazy_gettext("Ended"),
}


def repeat_choices() -> list[tuple[str, str]]:
    return [("", gettext("Does not repeat"))] + [
        (c, str(CADENCE_LABELS[c])) for c in SERIES_CADENCES
    ]


def repeats_of(form: Any) -> str | None:
    """The form's "Repeats" (None: a single item); anything else is a field error."""
    value = (form.get("repeats") or "").strip()
    if not value:
        return None
    if value not in SERIES_CADENCES:
        raise ValidationFailed({"repeats": [gettext("Choose how often the work repeats.")]})
    return value


def create_series(actor: Actor, client: Client, data: dict) -> WorkItem:
    """A series from the new-work form; its first item is the one shown next."""
    _made, item = series.create_series(actor, client, data)
    return item


def series_line(item: WorkItem) -> dict | None:
    """What the item page says of its series: its number, cadence, status, next due."""
    if item.series_id is None or item.series is None:
        return None
    found = item.series
    return {
        "id": found.id,
        "sequence": item.sequence,
        "cadence": str(CADENCE_LABELS.get(found.cadence, found.cadence)),
        "status": found.status,
        "status_label": str(STATUS_LABELS.get(found.status, found.status)),
        "next_due_at": found.next_due_at if found.status == "active" else None,
    }


def _change(series_id: int, status: str, done: str) -> ResponseReturnValue:
    found = series.get_series_or_404(g.actor, series_id)
    authorize(policy.can_manage_series(g.actor))
    try:
        series.set_series_status(g.actor, found, status)
        commit()
        flash(done, "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(
        url_for("clients.client_detail", agency_slug=g.actor.agency.slug, client_id=found.client_id)
    )


@bp.post("/<agency_slug>/series/<int:series_id>/pause")
@roles(*MANAGERS)
def pause_series(agency_slug: str, series_id: int) -> ResponseReturnValue:
    """POST: pause a series (no next item is made until it is resumed)."""
    return _change(series_id, "paused", gettext("Series paused."))


@bp.post("/<agency_slug>/series/<int:series_id>/resume")
@roles(*MANAGERS)
def resume_series(agency_slug: str, series_id: int) -> ResponseReturnValue:
    """POST: resume a paused series."""
    return _change(series_id, "active", gettext("Series resumed."))


@bp.post("/<agency_slug>/series/<int:series_id>/end")
@roles(*MANAGERS)
def end_series(agency_slug: str, series_id: int) -> ResponseReturnValue:
    """POST: end a series for good (its items stay)."""
    return _change(series_id, "ended", gettext("Series ended."))


@bp.app_template_global()
def series_card(client: object) -> dict | None:
    """The client page's "Recurring work" card: the client's series with their cadence,
    status and next due time, and the pause, resume and end buttons for managers."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or actor.role not in ("owner", "manager", "va", "qa"):
        return None
    rows = series.client_series(actor, client.id)  # type: ignore[attr-defined]
    return {
        "rows": [
            {
                "id": s.id,
                "pattern": s.title_pattern,
                "cadence": str(CADENCE_LABELS.get(s.cadence, s.cadence)),
                "status": s.status,
                "status_label": str(STATUS_LABELS.get(s.status, s.status)),
                "next_due_at": s.next_due_at if s.status == "active" else None,
                "assignee": s.assignee.user.name if s.assignee else None,
            }
            for s in rows
        ],
        "can_manage": policy.can_manage_series(actor),
    }
