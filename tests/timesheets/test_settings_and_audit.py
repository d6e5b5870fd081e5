"""The "only managers with the client assigned" switch, and the audit trail of decisions."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import tenant
from app.extensions import db
from app.timesheets.models import TimesheetSettings
from tests.clients.support import api
from tests.factories import AssignmentFactory
from tests.timesheets.support import LAST_MONDAY, add_entry


def test_only_managers_with_every_client_assigned_decide_when_switched_on(app, tt):
    add_entry(tt, LAST_MONDAY)
    add_entry(tt, LAST_MONDAY, client_id=tt.other_client_id)
    made = api(app, tt.va).post("/timesheets/submit", json={"week": "2026-03-02"}).json
    with tenant(tt.agency.id):
        db.session.add(TimesheetSettings(week_start="monday", assigned_managers_only=True))
        db.session.flush()
    manager = api(app, tt.manager)
    assert manager.post(f"/timesheets/{made['id']}/approve").status_code == 403
    AssignmentFactory(client=tt.team.client, membership=tt.manager)
    assert manager.post(f"/timesheets/{made['id']}/approve").status_code == 403  # one of two
    with tenant(tt.agency.id):
        from app.clients.models import Client

        other = db.session.get(Client, tt.other_client_id)
    AssignmentFactory(client=other, membership=tt.manager)
    assert manager.post(f"/timesheets/{made['id']}/approve").status_code == 200


def test_decisions_are_audited(app, tt):
    add_entry(tt, LAST_MONDAY)
    made = api(app, tt.va).post("/timesheets/submit", json={"week": "2026-03-02"}).json
    owner = api(app, tt.owner)
    owner.post(f"/timesheets/{made['id']}/reject", json={"reason": "Too short"})
    api(app, tt.va).post("/timesheets/submit", json={"week": "2026-03-02"})
    owner.post(f"/timesheets/{made['id']}/approve")
    owner.post(f"/timesheets/{made['id']}/reopen")
    with tenant(tt.agency.id):
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == "timesheets", AuditEvent.entity_id == made["id"])
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "timesheet.submitted",
        "timesheet.rejected",
        "timesheet.submitted",
        "timesheet.approved",
        "timesheet.reopened",
    ]
    assert events[1].after["reject_reason"] == "Too short"
    assert events[3].after["entries_approved"] == 1
