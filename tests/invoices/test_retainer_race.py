"""The retainer job is safe to run twice at once (two clocks, a retried job): on committed
PostgreSQL data, concurrent runs draft each plan's month exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.extensions import db
from app.invoices.models import Invoice
from app.retainers.models import RetainerPlan
from app.retainers.services import create_retainer, generate_retainer_drafts
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory

NOW = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)


@pytest.mark.no_db
def test_concurrent_runs_draft_each_plan_once(committed):
    agency = AgencyFactory()
    member = MembershipFactory(agency=agency, role="owner")
    clients = [ClientFactory(agency=agency) for _ in range(3)]
    with tenant(agency.id):
        actor = Actor(user=member.user, agency=agency, membership=member)
        for client in clients:
            create_retainer(actor, client, {"description": "Care", "monthly_amount_minor": 100})
        db.session.commit()
    agency_id = agency.id
    start = threading.Barrier(4)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with committed.app_context():
                start.wait(timeout=30)
                results.append(generate_retainer_drafts(NOW))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(r["created"] for r in results) == 3
    with tenant(agency_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 3
        months = db.session.scalars(sa.select(RetainerPlan.last_generated_month)).all()
        assert months == ["2026-12"] * 3
