"""A payment reminder sent by hand ("Send a reminder now"): the wording of the step the
invoice has reached, the same refusals as the sweep (paid, void, disputed, draft, no
contact), at most one per invoice and client-local day, the ladder left as it was, in the
invoice page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.errors import Conflict
from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice
from app.reminders.manual import send_reminder_now
from app.reminders.models import ReminderSend
from app.reminders.sweep import run_reminder_sweep
from app.users.models import Membership
from tests.factories import ContactFactory, InvoiceFactory
from tests.helpers import bearer
from tests.invoices import test_reminders_web
from tests.invoices.test_reminders_web import Shop, web

shop = test_reminders_web.shop  # the same fixture: a team, a client and an issued invoice

# The shop's invoice: due Mon 16 Nov 2026, client in New York.
WED_25_NOV_NOON_NY = dt.datetime(2026, 11, 25, 17, tzinfo=dt.UTC)


def _emails() -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like("reminder:%"))
                .order_by(OutboundEmail.id)
            )
        )


def _sends() -> list[ReminderSend]:
    db.session.expire_all()
    with all_tenants():
        return list(db.session.scalars(sa.select(ReminderSend).order_by(ReminderSend.id)))


def _actor(shop: Shop, role: str = "owner") -> Actor:
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.agency_id == shop.agency_id, Membership.user_id == shop.users[role]
        )
    )
    return Actor(user=membership.user, agency=membership.agency, membership=membership)


def _set(shop: Shop, **values) -> None:
    with tenant(shop.agency_id):
        invoice = db.session.get(Invoice, shop.invoice_id)
        for key, value in values.items():
            setattr(invoice, key, value)
        db.session.commit()


def test_the_wording_is_the_step_reached_with_days_counted_to_today(app, shop):
    with tenant(shop.agency_id):
        actor = _actor(shop)
        invoice = db.session.get(Invoice, shop.invoice_id)
        send = send_reminder_now(actor, invoice, WED_25_NOV_NOON_NY)
        db.session.commit()
    assert send.kind == "manual" and send.step_id is None
    assert send.recipients == ["ap@harbour.test"]
    (email,) = _emails()
    # The +7 step ("... days overdue") has been reached; nine days overdue on the 25th.
    assert email.subject == "Invoice INV-2026-00042 is 9 days overdue"
    assert email.to_addr == "ap@harbour.test"
    assert email.idempotency_key.startswith(f"reminder:{shop.invoice_id}:manual:2026-11-25:")


def test_before_the_due_date_it_uses_the_first_steps_wording(app, shop):
    _set(shop, due_date=dt.date(2026, 12, 10))
    with tenant(shop.agency_id):
        invoice = db.session.get(Invoice, shop.invoice_id)
        send_reminder_now(_actor(shop), invoice, WED_25_NOV_NOON_NY)
        db.session.commit()
    (email,) = _emails()
    assert email.subject.startswith("Invoice INV-2026-00042 is due on")


def test_one_per_client_day_and_the_next_day_again(app, shop):
    with tenant(shop.agency_id):
        actor = _actor(shop)
        invoice = db.session.get(Invoice, shop.invoice_id)
        send_reminder_now(actor, invoice, WED_25_NOV_NOON_NY)
        db.session.commit()
        with pytest.raises(Conflict, match="already sent by hand today"):
            send_reminder_now(actor, invoice, WED_25_NOV_NOON_NY + dt.timedelta(hours=6))
        db.session.rollback()
        # 23:30 in New York is still the 25th there (04:30 UTC on the 26th).
        with pytest.raises(Conflict):
            send_reminder_now(actor, invoice, dt.datetime(2026, 11, 26, 4, 30, tzinfo=dt.UTC))
        db.session.rollback()
        send_reminder_now(actor, invoice, WED_25_NOV_NOON_NY + dt.timedelta(days=1))
        db.session.commit()
    assert len(_emails()) == 2 and len(_sends()) == 2


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "paid", "paid_minor": 10**6}, "Paid."),
        ({"status": "void"}, "Void."),
        ({"disputed": True}, "Disputed"),
        ({"status": "draft"}, "Drafts are not sent"),
    ],
)
def test_refused_like_the_sweep_and_nothing_recorded(app, shop, change, reason):
    _set(shop, **change)
    with tenant(shop.agency_id):
        invoice = db.session.get(Invoice, shop.invoice_id)
        with pytest.raises(Conflict, match=reason):
            send_reminder_now(_actor(shop), invoice, WED_25_NOV_NOON_NY)
        db.session.rollback()
    assert _sends() == [] and _emails() == []


def test_without_a_contact_email_it_says_so(app, shop):
    other = InvoiceFactory(client__agency_id=shop.agency_id, number="INV-2026-00050",
                           due_date=dt.date(2026, 11, 16))  # fmt: skip
    with tenant(shop.agency_id):
        invoice = db.session.get(Invoice, other.id)
        with pytest.raises(Conflict, match="No contact of the client has an email"):
            send_reminder_now(_actor(shop), invoice, WED_25_NOV_NOON_NY)
        db.session.rollback()
    assert _sends() == []


def test_pauses_stop_the_ladder_but_not_a_person_and_the_ladder_goes_on(app, shop):
    _set(shop, reminders_paused=True)
    with tenant(shop.agency_id):
        invoice = db.session.get(Invoice, shop.invoice_id)
        send_reminder_now(_actor(shop), invoice, WED_25_NOV_NOON_NY)
        db.session.commit()
    assert len(_emails()) == 1
    run_reminder_sweep(dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC))
    assert len(_emails()) == 1  # paused: the sweep sends nothing
    _set(shop, reminders_paused=False)
    # Mon 30 Nov 09:05 in New York: the +14 step is due and goes out as planned.
    run_reminder_sweep(dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC))
    kinds = sorted((s.kind, s.status) for s in _sends())
    assert ("manual", "sent") in kinds and ("ladder", "sent") in kinds
    assert len(_emails()) == 2


def test_from_the_invoice_page_with_history_and_audit(app, shop):
    http = web(app, shop, "manager")
    base = f"/{shop.slug}/invoices/{shop.invoice_id}/reminders"
    page = http.get(base).get_data(as_text=True)
    assert 'data-testid="send-reminder-now"' in page
    resp = http.post(f"{base}/send")
    assert resp.status_code == 302
    page = http.get(base).get_data(as_text=True)
    assert "Reminder sent to ap@harbour.test." in page
    assert "By hand" in page and "by " in page
    again = http.post(f"{base}/send", follow_redirects=True).get_data(as_text=True)
    assert "already sent by hand today" in again
    assert len(_emails()) == 1
    with all_tenants():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action == "invoice.reminder_sent")
        ).all()
    assert actions == ["invoice.reminder_sent"]


def test_no_button_on_a_paid_invoice_and_refused_if_posted(app, shop):
    _set(shop, status="paid", paid_minor=10**6)
    http = web(app, shop, "owner")
    base = f"/{shop.slug}/invoices/{shop.invoice_id}/reminders"
    assert 'data-testid="send-reminder-now"' not in http.get(base).get_data(as_text=True)
    page = http.post(f"{base}/send", follow_redirects=True).get_data(as_text=True)
    assert "No reminder can go to this invoice: Paid." in page
    assert _sends() == []


def test_api_sends_once_and_answers_409_with_the_reason(app, shop):
    http = app.test_client()
    url = f"/api/v1/{shop.slug}/invoices/{shop.invoice_id}/reminders/send"
    first = http.post(url, headers=bearer(shop.tokens["owner"]))
    assert first.status_code == 201
    (entry,) = first.get_json()["history"]
    assert entry["kind"] == "manual" and entry["step_id"] is None
    assert entry["sent_by"] and entry["recipients"] == ["ap@harbour.test"]
    second = http.post(url, headers=bearer(shop.tokens["manager"]))
    assert second.status_code == 409
    assert "already sent by hand today" in second.get_json()["message"]
    for role in ("va", "client"):
        assert http.post(url, headers=bearer(shop.tokens[role])).status_code == 403
    assert len(_emails()) == 1


def test_another_agencys_invoice_is_not_found(app, shop):
    other = InvoiceFactory()
    ContactFactory(client_id=other.client_id, email="x@elsewhere.test", is_billing=True)
    http = web(app, shop, "owner")
    assert http.post(f"/{shop.slug}/invoices/{other.id}/reminders/send").status_code == 404
    api = f"/api/v1/{shop.slug}/invoices/{other.id}/reminders/send"
    assert app.test_client().post(api, headers=bearer(shop.tokens["owner"])).status_code == 404
    assert _sends() == []
