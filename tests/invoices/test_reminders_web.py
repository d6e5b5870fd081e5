"""Reminder screens and API: the ladder settings (owners), step editing with errors beside
the field and a preview, an invoice's reminder panel with pause, dispute and the client
pause, and the same through the JSON API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.clients.models import Client
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice, InvoiceSettings
from app.reminders.models import ReminderSend, ReminderStep
from app.reminders.sweep import run_reminder_sweep
from app.users.models import User
from tests.factories import AgencyFactory, ClientFactory, ContactFactory, InvoiceFactory
from tests.helpers import api_token, bearer, member
from tests.objects import diff_snapshots, signed_in_client, snapshot_all


@dataclass
class Shop:
    """Plain ids and values: requests start with an empty identity map, so ORM objects
    made here would be detached after the first request."""

    agency_id: int
    slug: str
    users: dict[str, int]
    tokens: dict[str, str]
    client_id: int
    invoice_id: int


@pytest.fixture(autouse=True)
def clock(time_machine):
    """The invoice below is due on 16 November 2026: these pages are read that afternoon
    unless a test moves on (the next step shown depends on today)."""
    time_machine.move_to(dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC), tick=False)
    return time_machine


def sweep_at(clock, when: dt.datetime) -> None:
    """Move the clock to `when` and run the reminder sweep there, as the clock process would."""
    clock.move_to(when, tick=False)
    run_reminder_sweep(when)


@pytest.fixture
def shop() -> Shop:
    agency = AgencyFactory(name="Juniper Desk")
    people = {role: member(agency, role) for role in ("owner", "manager", "va", "client")}
    client = ClientFactory(agency=agency, name="Harbour Bakery", time_zone="America/New_York")
    ContactFactory(client=client, email="ap@harbour.test", is_billing=True)
    invoice = InvoiceFactory(
        client=client,
        number="INV-2026-00042",
        issue_date=dt.date(2026, 11, 1),
        due_date=dt.date(2026, 11, 16),
        issued_at=dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC),
    )
    tokens = {role: api_token(m) for role, m in people.items()}
    shop = Shop(agency.id, agency.slug, {r: m.user_id for r, m in people.items()}, tokens,
                client.id, invoice.id)  # fmt: skip
    with all_tenants():
        db.session.commit()
    return shop


def web(app, shop: Shop, role: str):
    return signed_in_client(app, shop.users[role])


def steps(shop: Shop) -> dict[int, SimpleNamespace]:
    """The agency's steps by offset, as plain values."""
    db.session.expire_all()
    with tenant(shop.agency_id):
        rows = db.session.scalars(sa.select(ReminderStep)).all()
        return {
            s.offset_days: SimpleNamespace(
                id=s.id, subject_template=s.subject_template, active=s.active
            )
            for s in rows
        }


def install(app, shop: Shop) -> dict[int, SimpleNamespace]:
    resp = web(app, shop, "owner").post(f"/{shop.slug}/settings/reminders/install")
    assert resp.status_code == 302
    return steps(shop)


def count_sends() -> int:
    with all_tenants():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSend))


# --- the ladder page ------------------------------------------------------------------------


def test_the_ladder_page_shows_the_defaults_without_writing_anything(app, shop):
    http = web(app, shop, "owner")
    before = snapshot_all()
    page = http.get(f"/{shop.slug}/settings/reminders")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="default-ladder"' in body
    assert "3 days before due" in body and "30 days after due" in body
    assert "09:00" in body and "client_name" in body
    assert not diff_snapshots(before, snapshot_all())


def test_only_owners_edit_the_ladder(app, shop):
    for role in ("manager", "va", "client"):
        assert web(app, shop, role).get(f"/{shop.slug}/settings/reminders").status_code == 403
        resp = web(app, shop, role).post(f"/{shop.slug}/settings/reminders/install")
        assert resp.status_code == 403
    assert steps(shop) == {}


def test_install_then_edit_a_step_with_preview(app, shop):
    ladder = install(app, shop)
    assert sorted(ladder) == [-3, 0, 7, 14, 30]
    http = web(app, shop, "owner")
    url = f"/{shop.slug}/settings/reminders/steps/{ladder[7].id}"
    assert "Invoice {{ invoice_number }}" in http.get(url).get_data(as_text=True)
    form = {
        "offset_days": "10",
        "subject_template": "{{ client_name }}: {{ invoice_number }} is {{ days_overdue }} late",
        "body_template": "Hi <b>{{ client_name }}</b>,\nplease pay {{ amount_due }}.",
        "active": "on",
    }
    preview = http.post(url, data={**form, "action": "preview"})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert 'data-testid="preview"' in text
    assert "Harbour Bakery: INV-2026-00042 is 7 late" in text
    assert "Hi &amp;lt;b&amp;gt;Harbour Bakery&amp;lt;/b&amp;gt;" not in text  # no double escape
    assert "Hi &lt;b&gt;Harbour Bakery&lt;/b&gt;" in text
    assert steps(shop)[7].subject_template.startswith("Invoice")  # a preview saves nothing
    saved = http.post(url, data=form)
    assert saved.status_code == 302
    ladder = steps(shop)
    assert 7 not in ladder and ladder[10].subject_template == form["subject_template"]
    with tenant(shop.agency_id):
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "reminders.ladder_installed" in actions and "reminders.step_updated" in actions


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body_template", "{{ ''.__class__.__mro__ }}", "Attributes"),
        ("body_template", "{% import os %}", "expected token"),
        ("subject_template", "Invoice {{ invoice_no }}", "unknown variable"),
        ("subject_template", "{% if days_overdue %}late", "Unexpected end of template"),
        ("offset_days", "0", "already has a step at 0"),
        ("offset_days", "400", "between"),
    ],
)
def test_bad_steps_are_refused_beside_the_field_and_change_nothing(
    app, shop, field, value, message
):
    ladder = install(app, shop)
    http = web(app, shop, "owner")
    form = {
        "offset_days": "7",
        "subject_template": "Reminder {{ invoice_number }}",
        "body_template": "Please pay {{ amount_due }}.",
        "active": "on",
        field: value,
    }
    before = snapshot_all()
    resp = http.post(f"/{shop.slug}/settings/reminders/steps/{ladder[7].id}", data=form)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert f'data-field-error="{field}"' in body
    assert message.replace("'", "&#39;") in body or message in body
    assert not diff_snapshots(before, snapshot_all())


def test_new_step_installs_the_ladder_first_and_unknown_fields_are_refused(app, shop):
    http = web(app, shop, "owner")
    url = f"/{shop.slug}/settings/reminders/steps/new"
    assert http.get(url).status_code == 200
    form = {"offset_days": "45", "subject_template": "Still open: {{ invoice_number }}",
            "body_template": "{{ amount_due }} since {{ due_date }}", "active": "on"}  # fmt: skip
    assert http.post(url, data={**form, "bogus": "x"}).status_code == 422
    assert steps(shop) == {}
    assert http.post(url, data=form).status_code == 302
    assert sorted(steps(shop)) == [-3, 0, 7, 14, 30, 45]


def test_the_last_active_step_cannot_be_turned_off_and_used_steps_cannot_be_removed(
    app, shop, clock
):
    ladder = install(app, shop)
    http = web(app, shop, "owner")
    for offset in (-3, 0, 7, 14):
        with tenant(shop.agency_id):
            db.session.get(ReminderStep, ladder[offset].id).active = False
            db.session.commit()
    form = {"offset_days": "30", "subject_template": "x {{ invoice_number }}",
            "body_template": "y", "active": ""}  # fmt: skip
    resp = http.post(f"/{shop.slug}/settings/reminders/steps/{ladder[30].id}", data=form)
    assert resp.status_code == 409
    assert "only active step" in resp.get_data(as_text=True)
    sweep_at(clock, dt.datetime(2026, 12, 16, 14, tzinfo=dt.UTC))
    http = web(app, shop, "owner")  # a month later: the earlier sign-in has expired
    resp = http.post(f"/{shop.slug}/settings/reminders/steps/{ladder[30].id}/delete")
    assert resp.status_code == 303
    assert 30 in steps(shop)
    resp = http.post(f"/{shop.slug}/settings/reminders/steps/{ladder[-3].id}/delete")
    assert resp.status_code == 302
    assert -3 not in steps(shop)


def test_the_agency_switch(app, shop, clock):
    http = web(app, shop, "owner")
    assert http.post(f"/{shop.slug}/settings/reminders", data={}).status_code == 302
    with tenant(shop.agency_id):
        assert db.session.scalar(sa.select(InvoiceSettings.reminders_enabled)) is False
    sweep_at(clock, dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC))
    assert count_sends() == 0
    page = http.get(f"/{shop.slug}/invoices/{shop.invoice_id}/reminders").get_data(as_text=True)
    assert "Reminders are turned off for the agency." in page
    http.post(f"/{shop.slug}/settings/reminders", data={"enabled": "on"})
    with tenant(shop.agency_id):
        assert db.session.scalar(sa.select(InvoiceSettings.reminders_enabled)) is True


# --- an invoice's reminders ----------------------------------------------------------------


def test_the_invoice_panel_shows_history_next_step_and_the_switches(app, shop, clock):
    sweep_at(clock, dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC))  # step 7 (and skips)
    http = web(app, shop, "owner")
    page = http.get(f"/{shop.slug}/invoices/{shop.invoice_id}/reminders")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="reminders-history"' in body
    assert body.count(">sent<") == 1 and body.count(">skipped<") == 2
    assert "ap@harbour.test" in body
    assert "Mon 30 Nov, 09:00 EST" in body  # the next step, in the client's time
    for testid in ("pause-invoice", "dispute-invoice", "pause-client"):
        assert f'data-testid="{testid}"' in body
    # The invoice page (when the invoice pages exist) includes the same panel.
    show = http.get(f"/{shop.slug}/invoices/{shop.invoice_id}")
    if show.status_code == 200:
        assert 'data-testid="reminders-panel"' in show.get_data(as_text=True)


def test_pause_dispute_and_client_pause_stop_the_sweep(app, shop, clock):
    http = web(app, shop, "manager")
    base = f"/{shop.slug}/invoices/{shop.invoice_id}/reminders"
    assert http.post(f"{base}/pause", data={"paused": "true"}).status_code == 302
    sweep_at(clock, dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC))
    assert count_sends() == 0
    assert "paused for this invoice" in http.get(base).get_data(as_text=True)
    http.post(f"{base}/pause", data={"paused": "false"})
    http.post(f"{base}/dispute", data={"disputed": "true"})
    db.session.expire_all()
    with tenant(shop.agency_id):
        row = db.session.get(Invoice, shop.invoice_id)
        assert (row.reminders_paused, row.disputed) == (False, True)
    http.post(f"{base}/dispute", data={"disputed": "false"})
    resp = http.post(
        f"/{shop.slug}/clients/{shop.client_id}/reminders/pause", data={"paused": "on"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    with tenant(shop.agency_id):
        assert db.session.get(Client, shop.client_id).reminders_paused is True
    sweep_at(clock, dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC))
    assert count_sends() == 0


def test_staff_without_money_and_client_contacts_see_no_reminders(app, shop):
    for role in ("va", "client"):
        http = web(app, shop, role)
        assert http.get(f"/{shop.slug}/invoices/{shop.invoice_id}/reminders").status_code == 403
        resp = http.post(f"/{shop.slug}/invoices/{shop.invoice_id}/reminders/pause",
                         data={"paused": "true"})  # fmt: skip
        assert resp.status_code == 403
        resp = http.post(f"/{shop.slug}/clients/{shop.client_id}/reminders/pause",
                         data={"paused": "true"})  # fmt: skip
        assert resp.status_code == 403


def test_another_agencys_invoice_is_not_found(app, shop):
    other = InvoiceFactory()
    http = web(app, shop, "owner")
    assert http.get(f"/{shop.slug}/invoices/{other.id}/reminders").status_code == 404
    resp = http.post(f"/{shop.slug}/invoices/{other.id}/reminders/pause", data={"paused": "1"})
    assert resp.status_code == 404


# --- the API ----------------------------------------------------------------------------------


def test_api_ladder_steps_preview_and_invoice_reminders(app, shop, clock):
    token = bearer(shop.tokens["owner"])
    http = app.test_client()
    api = f"/api/v1/{shop.slug}"
    ladder = http.get(f"{api}/reminders/ladder", headers=token).get_json()
    assert ladder["installed"] is False and ladder["enabled"] is True
    assert [s["offset_days"] for s in ladder["steps"]] == [-3, 0, 7, 14, 30]
    assert {v["name"] for v in ladder["variables"]} >= {"client_name", "amount_due"}

    bad = http.post(f"{api}/reminders/steps", headers=token, json={
        "offset_days": 21, "subject_template": "{{ config }}", "body_template": "ok",
    })  # fmt: skip
    assert bad.status_code == 422
    assert "unknown variable 'config'" in bad.get_json()["errors"]["subject_template"][0]

    made = http.post(f"{api}/reminders/steps", headers=token, json={
        "offset_days": 21, "subject_template": "Three weeks: {{ invoice_number }}",
        "body_template": "{{ amount_due }}",
    })  # fmt: skip
    assert made.status_code == 201, made.get_json()
    step_id = made.get_json()["id"]
    ladder = http.get(f"{api}/reminders/ladder", headers=token).get_json()
    assert ladder["installed"] is True and len(ladder["steps"]) == 6

    patched = http.patch(f"{api}/reminders/steps/{step_id}", headers=token,
                         json={"active": False})  # fmt: skip
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    assert http.delete(f"{api}/reminders/steps/{step_id}", headers=token).status_code == 204

    preview = http.post(f"{api}/reminders/preview", headers=token, json={
        "subject_template": "{{ invoice_number }}", "body_template": "Dear {{ client_name }}",
    })  # fmt: skip
    assert preview.get_json()["text"] == "Dear Harbour Bakery"

    off = http.patch(f"{api}/reminders/ladder", headers=token, json={"enabled": False})
    assert off.get_json()["enabled"] is False
    http.patch(f"{api}/reminders/ladder", headers=token, json={"enabled": True})

    sweep_at(clock, dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC))
    state = http.get(f"{api}/invoices/{shop.invoice_id}/reminders", headers=token).get_json()
    assert [(h["offset_days"], h["status"]) for h in state["history"]] == [
        (-3, "skipped"), (0, "sent"),
    ]  # fmt: skip
    assert state["history"][1]["recipients"] == ["ap@harbour.test"]
    assert state["next"]["offset_days"] == 7
    assert state["next"]["local_time"] == "Mon 23 Nov, 09:00 EST"

    paused = http.patch(f"{api}/invoices/{shop.invoice_id}/reminders", headers=token,
                        json={"paused": True, "disputed": True})  # fmt: skip
    body = paused.get_json()
    assert body["paused"] and body["disputed"] and body["next"] is None
    assert body["blocked_reason"].startswith("Disputed")
    client_state = http.patch(f"{api}/clients/{shop.client_id}/reminders", headers=token,
                              json={"paused": True})  # fmt: skip
    assert client_state.get_json() == {"client_id": shop.client_id, "paused": True}


def test_api_roles_and_other_agencies(app, shop):
    http = app.test_client()
    api = f"/api/v1/{shop.slug}"
    manager = bearer(shop.tokens["manager"])
    assert http.get(f"{api}/reminders/ladder", headers=manager).status_code == 200
    resp = http.patch(f"{api}/reminders/ladder", headers=manager, json={"enabled": False})
    assert resp.status_code == 403
    va = bearer(shop.tokens["va"])
    assert http.get(f"{api}/invoices/{shop.invoice_id}/reminders", headers=va).status_code == 403
    other = InvoiceFactory()
    owner = bearer(shop.tokens["owner"])
    resp = http.get(f"{api}/invoices/{other.id}/reminders", headers=owner)
    assert resp.status_code == 404
    resp = http.patch(f"{api}/clients/{other.client_id}/reminders", headers=owner,
                      json={"paused": True})  # fmt: skip
    assert resp.status_code == 404


_ATTRIBUTES = "لا يمكن استخدام الخصائص (نقطة بعد قيمة) في قوالب التذكير."
_NO_FILTER = "le filtre « truncate » n’est pas disponible"


@pytest.mark.parametrize(
    ("locale", "field", "value", "said"),
    [
        ("ar", "body_template", "{{ ''.__class__ }}", _ATTRIBUTES),
        ("ar", "subject_template", "Invoice {{ invoice_no }}", "السطر 1: متغير غير معروف"),
        ("fr", "subject_template", "{{ amount_due | truncate }}", _NO_FILTER),
    ],
)
def test_a_bad_template_is_explained_in_the_readers_language(app, shop, locale, field, value, said):
    ladder = install(app, shop)
    with all_tenants():
        db.session.get(User, shop.users["owner"]).locale = locale
        db.session.commit()
    form = {
        "offset_days": "7",
        "subject_template": "Reminder {{ invoice_number }}",
        "body_template": "Please pay {{ amount_due }}.",
        "active": "on",
        field: value,
    }
    resp = web(app, shop, "owner").post(
        f"/{shop.slug}/settings/reminders/steps/{ladder[7].id}", data=form
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True).replace("&#39;", "'")
    assert said in body
    assert "can&#39;t be used" not in body and "unknown variable" not in body
