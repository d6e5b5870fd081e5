"""The agency's business week, set by its owner on a settings page or through the API:
response clocks started afterwards count in it (hours and the country's public holidays)."""

from __future__ import annotations

import sqlalchemy as sa
import time_machine

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.promises.models import AgencyHours
from app.work.services import add_comment
from tests.clients.support import api
from tests.factories import WorkItemFactory
from tests.promises.support import actor, clocks, paris, paris_desk
from tests.work.support import web

# Monday to Thursday 08:00-12:00 (Friday and the weekend off), holidays of France.
FORM = {f"{d}_1_start": "08:00" for d in ("mon", "tue", "wed", "thu")} | {
    f"{d}_1_end": "12:00" for d in ("mon", "tue", "wed", "thu")
}


def _rows(agency_id: int) -> list[AgencyHours]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(AgencyHours)
                .where(AgencyHours.agency_id == agency_id)
                .execution_options(populate_existing=True)
            )
        )


def test_owner_sets_the_week_and_new_clocks_count_in_it(app):
    with time_machine.travel(paris(2026, 11, 9, 9), tick=False) as traveller:
        desk = paris_desk()  # promise: 8 business hours
        db.session.commit()
        owner = web(app, desk.owner)
        url = f"/{desk.slug}/settings/business-hours"
        page = owner.get(url).get_data(as_text=True)
        assert 'value="09:00"' in page  # the default week until one is saved
        assert owner.post(url, data={**FORM, "country": "FR"}).status_code == 302
        [row] = _rows(desk.agency.id)
        assert row.country == "FR" and row.schedule[4] == []  # Friday off
        listed = owner.get(url).get_data(as_text=True)
        assert 'data-testid="agency-holidays"' in listed and "Christmas" in listed

        # Wednesday 11 November is Armistice Day in France: no business hours that day.
        traveller.move_to(paris(2026, 11, 10, 11))
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Can you check the invoice?"})
            db.session.commit()
        [clock] = clocks(desk.agency.id)
        # Tue 11:00-12:00 (1 h), Wed holiday, Thu 08:00-12:00 (4 h), Fri off, Mon 08:00-11:00.
        assert clock.due_at == paris(2026, 11, 16, 11)
        with all_tenants():
            action = db.session.scalar(
                sa.select(AuditEvent.action).where(
                    AuditEvent.agency_id == desk.agency.id,
                    AuditEvent.action == "agency_hours.updated",
                )
            )
        assert action == "agency_hours.updated"


def test_bad_week_names_the_field_and_changes_nothing(app):
    desk = paris_desk()
    db.session.commit()
    owner = web(app, desk.owner)
    url = f"/{desk.slug}/settings/business-hours"
    bad = owner.post(url, data={"mon_1_start": "10:00", "country": "FR"})
    assert bad.status_code == 422 and "mon_1_end" in bad.get_data(as_text=True)
    assert owner.post(url, data={**FORM, "country": "ZZ"}).status_code == 422
    assert _rows(desk.agency.id) == []
    manager = web(app, desk.manager)
    assert manager.get(url).status_code == 403
    assert manager.post(url, data=FORM).status_code == 403
    assert _rows(desk.agency.id) == []


def test_api_reads_and_replaces_the_week(app):
    desk = paris_desk()
    db.session.commit()
    path = "/promises/business-hours"
    first = api(app, desk.manager).get(path).get_json()
    assert first["custom"] is False and first["days"]["mon"] == [{"start": "09:00", "end": "17:00"}]
    week = {"mon": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}
    assert api(app, desk.manager).put(path, json={"days": week}).status_code == 403
    bad = api(app, desk.owner).put(path, json={"days": week, "country": "ZZ"})
    assert bad.status_code == 422 and "country" in bad.get_json()["errors"]
    saved = api(app, desk.owner).put(path, json={"days": week, "country": "FR"}).get_json()
    assert saved["custom"] is True and saved["days"]["mon"] == week["mon"]
    assert saved["days"]["tue"] == [] and saved["country"] == "FR"
    assert api(app, desk.va).get(path).status_code == 403


def test_a_new_week_moves_the_due_time_of_running_clocks_not_the_time_used(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()  # promise: 8 business hours, default week 09:00-17:00
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Can you check the invoice?"})
            db.session.commit()
        [clock] = clocks(desk.agency.id)
        assert clock.due_at == paris(2026, 11, 16, 17)
        # 11:00 Monday (2 h used): the owner moves to mornings only, 08:00-12:00.
        traveller.move_to(paris(2026, 11, 16, 11))
        morning = {f"{d}_1_start": "08:00" for d in ("mon", "tue", "wed", "thu", "fri")} | {
            f"{d}_1_end": "12:00" for d in ("mon", "tue", "wed", "thu", "fri")
        }
        owner = web(app, desk.owner)
        assert owner.post(f"/{desk.slug}/settings/business-hours", data=morning).status_code == 302
        [clock] = clocks(desk.agency.id)
        # 6 h left: Mon 11-12 (1 h), Tue 08-12 (4 h), Wed 08-09 (1 h).
        assert clock.business_seconds == 2 * 3600 and clock.state == "running"
        assert clock.due_at == paris(2026, 11, 18, 9)
        # The warning (75 %: 6 h) comes Tue at 11:00.
        assert clock.warn_at == paris(2026, 11, 17, 11)
