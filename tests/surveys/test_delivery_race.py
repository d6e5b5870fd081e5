"""Two deliveries of one client's work at the same moment, on two real connections, make one
CSAT survey and one email per contact."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.extensions import db
from app.surveys.models import Survey
from app.users.models import Membership
from app.work.models import WorkItem
from app.work.transitions import deliver_work_item
from tests.surveys.support import actor_of, approved_item, make_desk


@pytest.mark.no_db
def test_two_deliveries_at_once_make_one_survey(committed):
    desk = make_desk()
    items = [approved_item(desk) for _ in range(2)]
    db.session.commit()
    agency_id, owner_id = desk.agency.id, desk.owner.id
    item_ids = [i.id for i in items]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(item_id: int) -> None:
        try:
            with committed.app_context(), tenant(agency_id):
                owner = db.session.get(Membership, owner_id)
                item = db.session.get(WorkItem, item_id)
                start.wait(timeout=30)
                deliver_work_item(actor_of(owner), item)
                commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in item_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with all_tenants():
        states = db.session.scalars(sa.select(WorkItem.state).where(WorkItem.id.in_(item_ids)))
        assert list(states) == ["delivered", "delivered"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 1
        sent = db.session.scalars(
            sa.select(OutboundEmail.to_addr).where(OutboundEmail.idempotency_key.like("survey:%"))
        ).all()
        assert sent == [desk.contact.user.email]
