"""The deposit gate: a new engagement's work waits for the deposit its client's terms ask for.

The hold lifts when a deposit invoice is paid or an owner waives it with a reason (audited);
the VA's Start is refused with the reason (page and API), the item page and the billing page
say why, and the client reads it in the portal.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices.services import issue_invoice
from app.payments.deposit_gate import deposit_hold, waive_deposit, withdraw_deposit_waiver
from app.payments.deposits import create_deposit_invoice
from app.payments.models import DepositWaiver
from app.payments.services import record_payment
from app.work.models import WorkItem
from app.work.transitions import start_work_item
from tests.clients.support import api, fetch, web
from tests.factories import AssignmentFactory, WorkItemFactory


@pytest.fixture
def gated(team, owner):
    """The team's client asks 40 % upfront and has one item assigned to the VA, not started."""
    team.client.deposit_percent = 40
    AssignmentFactory(client=team.client, membership=team.va)
    item = WorkItemFactory(client=team.client, assignee_id=team.va.id)
    db.session.flush()
    return item


def va_actor(team) -> Actor:
    return Actor(user=team.va.user, agency=team.agency, membership=team.va)


def _deposit(owner, client, *, issue=True, pay=False):
    invoice = create_deposit_invoice(
        owner, client, {"description": "Relaunch", "amount_minor": 100000}
    )
    if issue:
        issue_invoice(owner, invoice)
    if pay:
        record_payment(owner, invoice, {"amount_minor": invoice.total_minor})
    return invoice


def test_no_deposit_terms_no_hold(team, owner):
    item = WorkItemFactory(client=team.client, assignee_id=team.va.id)
    assert deposit_hold(team.client) is None
    start_work_item(va_actor(team), item)
    assert item.state == "in_progress"


def test_start_waits_for_the_deposit_invoice_to_be_paid(team, owner, gated):
    with pytest.raises(Conflict, match="no deposit invoice has been issued yet"):
        start_work_item(va_actor(team), gated)
    draft = _deposit(owner, team.client, issue=False)
    with pytest.raises(Conflict, match="no deposit invoice has been issued yet"):
        start_work_item(va_actor(team), gated)  # a draft cannot be paid: still nothing issued
    issue_invoice(owner, draft)
    hold = deposit_hold(team.client)
    assert hold.number == draft.number and hold.balance_minor == draft.total_minor == 40000
    record_payment(owner, draft, {"amount_minor": 10000})  # partly paid is not paid
    with pytest.raises(Conflict, match=draft.number):
        start_work_item(va_actor(team), gated)
    assert gated.state == "todo" and gated.started_at is None
    record_payment(owner, draft, {"amount_minor": draft.total_minor - 10000})
    assert deposit_hold(team.client) is None
    start_work_item(va_actor(team), gated)
    assert gated.state == "in_progress"


def test_started_engagement_is_never_stopped_half_way(team, owner, gated):
    waive_deposit(owner, team.client, "Long-standing client, pays on delivery")
    start_work_item(va_actor(team), gated)
    withdraw_deposit_waiver(owner, team.client)
    # the engagement has started: a second item of the client starts without the deposit
    second = WorkItemFactory(client=team.client, assignee_id=team.va.id)
    assert deposit_hold(team.client) is None
    start_work_item(va_actor(team), second)
    assert second.state == "in_progress"


def test_waiver_needs_a_reason_and_is_audited(team, owner, gated):
    with pytest.raises(ValidationFailed) as exc:
        waive_deposit(owner, team.client, "   ")
    assert "reason" in exc.value.errors
    waive_deposit(owner, team.client, "Agreed by phone with their CFO")
    with pytest.raises(Conflict, match="already waived"):
        waive_deposit(owner, team.client, "again")
    assert deposit_hold(team.client) is None
    withdraw_deposit_waiver(owner, team.client)
    assert deposit_hold(team.client) is not None
    with all_tenants():
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.agency_id == team.agency.id, AuditEvent.entity_id == team.client.id)
            .order_by(AuditEvent.id)
        ).all()
        waived = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "client.deposit_waived")
        )
    assert actions[-2:] == ["client.deposit_waived", "client.deposit_waiver_withdrawn"]
    assert waived.after == {"reason": "Agreed by phone with their CFO"}


def test_pages_say_why_and_owner_waives(app, team, owner, gated):
    db.session.commit()
    slug = team.slug
    va = web(app, team.va)
    page = va.get(f"/{slug}/work/{gated.id}").get_data(as_text=True)
    assert 'data-testid="start-blocked"' in page and "no deposit invoice has been issued" in page
    refused = va.post(f"/{slug}/work/{gated.id}/start", data={"lock_version": gated.lock_version})
    assert refused.status_code == 409
    assert fetch(WorkItem, gated.id).state == "todo"

    contact = web(app, team.contact)
    portal = contact.get(f"/{slug}/portal").get_data(as_text=True)
    assert 'data-testid="portal-deposit-hold"' in portal

    manager = web(app, team.manager)
    billing = manager.get(f"/{slug}/clients/{team.client.id}/billing").get_data(as_text=True)
    assert 'data-testid="deposit-hold"' in billing and "Waive the deposit" not in billing
    url = f"/{slug}/clients/{team.client.id}/deposit-waiver"
    assert manager.post(url, data={"reason": "x"}).status_code == 403

    boss = web(app, team.owner)
    empty = boss.post(url, data={"reason": ""})
    assert empty.status_code == 422 and 'id="f-reason"' in empty.get_data(as_text=True)
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count(DepositWaiver.id))) == 0
    assert boss.post(url, data={"reason": "Trusted client"}).status_code == 302
    billing = boss.get(f"/{slug}/clients/{team.client.id}/billing").get_data(as_text=True)
    assert 'data-testid="deposit-waived"' in billing and "Trusted client" in billing
    assert "portal-deposit-hold" not in contact.get(f"/{slug}/portal").get_data(as_text=True)
    started = va.post(f"/{slug}/work/{gated.id}/start", data={"lock_version": gated.lock_version})
    assert started.status_code == 302 and fetch(WorkItem, gated.id).state == "in_progress"


def test_api_gate_and_waiver(app, team, owner, gated):
    invoice = _deposit(owner, team.client)
    db.session.commit()
    path = f"/clients/{team.client.id}/deposit-gate"
    body = api(app, team.manager).get(path).get_json()
    assert body["held"] is True and body["invoice_number"] == invoice.number
    assert body["balance_minor"] == invoice.total_minor and body["waived"] is False
    refused = api(app, team.va).post(f"/work-items/{gated.id}/start", json={})
    assert refused.status_code == 409 and invoice.number in refused.get_json()["message"]
    assert api(app, team.manager).put(f"{path}/waiver", json={"reason": "x"}).status_code == 403
    bad = api(app, team.owner).put(f"{path}/waiver", json={"reason": ""})
    assert bad.status_code == 422 and "reason" in bad.get_json()["errors"], bad.get_json()
    ok = api(app, team.owner).put(f"{path}/waiver", json={"reason": "Trusted"})
    assert ok.status_code == 200 and ok.get_json()["held"] is False
    assert ok.get_json()["waiver_reason"] == "Trusted"
    assert api(app, team.owner).put(f"{path}/waiver", json={"reason": "x"}).status_code == 409
    assert api(app, team.owner).delete(f"{path}/waiver").get_json()["held"] is True
    assert api(app, team.owner).delete(f"{path}/waiver").status_code == 409
