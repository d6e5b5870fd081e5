"""The agency's business week: the hours and public holidays its response clocks run in.

Owners set them (a settings page and the API); without a saved week an agency works Monday
to Friday, 09:00-17:00 in its zone, with no public holidays. A change applies at once: each
running clock keeps the business time it used under the old week and counts the rest in the
new one, so its due and warning times move (a breach already flagged stays).
"""

from __future__ import annotations

from app.audit.services import changed, record, snapshot
from app.capacity.intervals import DEFAULT_SCHEDULE, Schedule, to_json
from app.core.clock import utcnow
from app.core.errors import Forbidden
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.promises.models import AgencyHours
from app.promises.policy import can_edit_agency_hours
from app.promises.queries import agency_hours
from app.promises.services import business_week, reschedule_running_clocks

HOURS_FIELDS = ("schedule", "country", "subdivision")


def current_week() -> tuple[Schedule, str | None, str | None, bool]:
    """(schedule, country, subdivision, saved) of the agency in the current tenant."""
    row = agency_hours()
    if row is None:
        return DEFAULT_SCHEDULE, None, None, False
    return row.week, row.country, row.subdivision, True


def save_agency_hours(actor: Actor, data: dict) -> AgencyHours:
    """Replace the agency's business week and holiday country (owners)."""
    if not can_edit_agency_hours(actor):
        raise Forbidden(_("Your role does not allow this."))
    row = agency_hours()
    old_week = business_week(actor.agency_id)
    before = snapshot(row, HOURS_FIELDS) if row is not None else {}
    if row is None:
        row = AgencyHours()
        db.session.add(row)
    row.schedule = to_json(data["schedule"])
    row.country = data.get("country")
    row.subdivision = data.get("subdivision") if row.country else None
    db.session.flush()
    reschedule_running_clocks(old_week, business_week(actor.agency_id), utcnow())
    old, new = changed(before, snapshot(row, HOURS_FIELDS))
    record(
        actor,
        "agency_hours.updated",
        row,
        summary="Business hours of the agency saved",
        before=old,
        after=new,
    )
    return row
