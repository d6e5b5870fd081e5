"""The stored stage due moments (app.work.stage_index) follow the work item whatever
writes it, and the SQL backfill computes what app.work.stage_dates computes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.work.stage_dates import stage_due_dates
from app.work.stage_index import WorkStageDue, backfill
from tests.clients.support import make_team
from tests.factories import WorkItemFactory

NOW = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)  # a Friday


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _stored(item) -> list[tuple[str, dt.datetime]]:
    with all_tenants():
        rows = db.session.execute(
            sa.select(WorkStageDue.stage_key, WorkStageDue.due_at)
            .where(WorkStageDue.work_item_id == item.id)
            .order_by(WorkStageDue.place)
        ).all()
    return [tuple(r) for r in rows]


def _expected(item, began: dt.datetime) -> list[tuple[str, dt.datetime]]:
    stages = item.sop_version.definition["stages"]
    return [(d.key, d.due_at) for d in stage_due_dates(began, item.client.time_zone, stages)]


@pytest.mark.usefixtures("frozen")
def test_a_new_item_gets_its_stages_and_starting_it_moves_them(app):
    team = make_team()
    with tenant(team.agency.id):
        team.client.time_zone = "America/New_York"
        item = WorkItemFactory(client=team.client)
        db.session.flush()
        assert _stored(item) == _expected(item, item.created_at)
        assert len(_stored(item)) >= 2
        started = NOW + dt.timedelta(days=3, hours=2)  # the next Monday
        item.started_at, item.state = started, "in_progress"
        db.session.flush()
        assert _stored(item) == _expected(item, started)
        assert _stored(item) != _expected(item, item.created_at)


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("state", ["delivered", "cancelled"])
def test_closed_work_has_no_stage_rows_and_reopened_work_has_them_again(app, state):
    team = make_team()
    with tenant(team.agency.id):
        item = WorkItemFactory(client=team.client)
        db.session.flush()
        item.state = state
        db.session.flush()
        assert _stored(item) == []
        item.state = "in_progress"
        db.session.flush()
        assert _stored(item) == _expected(item, item.created_at)


@pytest.mark.usefixtures("frozen")
def test_a_client_moving_zone_moves_its_open_work_stages(app):
    team = make_team()
    with tenant(team.agency.id):
        team.client.time_zone = "Asia/Tokyo"
        item = WorkItemFactory(client=team.client)
        db.session.flush()
        tokyo = _stored(item)
        team.client.time_zone = "America/Los_Angeles"
        db.session.flush()
        assert _stored(item) == _expected(item, item.created_at) != tokyo


@pytest.mark.parametrize(
    "zone", ["Asia/Tokyo", "America/New_York", "Europe/Paris", "Pacific/Auckland", "UTC"]
)
def test_the_backfill_writes_what_the_rule_computes(app, zone):
    """Every weekday the work may start on (and weekends), across a DST change."""
    team = make_team()
    with tenant(team.agency.id):
        team.client.time_zone = zone
        items = []
        for day in range(14):  # two weeks around the US and EU spring change
            began = dt.datetime(2026, 3, 22, 23, 30, tzinfo=dt.UTC) + dt.timedelta(days=day)
            item = WorkItemFactory(client=team.client, checklist=False)
            item.created_at = began
            items.append((item, began))
        db.session.flush()
        with all_tenants():
            db.session.execute(
                sa.delete(WorkStageDue).where(
                    WorkStageDue.work_item_id.in_([i.id for i, _ in items])
                )
            )
            backfill(db.session.connection())
        for item, began in items:
            assert _stored(item) == _expected(item, began), began
