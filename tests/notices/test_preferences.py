"""Notification preferences: per person and kind, email at once (the default), a daily
summary or off; owners cannot switch security mail off; a client's portal login chooses
in the portal; every notification honours the choice (work, digests, security alerts)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.digests.sweep import send_digest
from app.extensions import db
from app.notices.models import HeldNotice, NoticePreference
from app.notices.services import save_preferences
from app.notices.summary import send_daily_summaries
from app.vault.models import VaultEntry
from app.vault.services import reveal_vault_entry, store_secret
from app.work.services import create_work_item
from tests.clients.support import api, make_team
from tests.factories import AssignmentFactory, ContactFactory
from tests.work.support import make_desk, web

MANILA = dt.timezone(dt.timedelta(hours=8))  # no summer time
DUE = dt.datetime(2030, 3, 31, 17, 0, tzinfo=dt.UTC)


def _actor(member) -> Actor:
    return Actor(user=member.user, agency=member.agency, membership=member)


def _mail_to(address: str, prefix: str = "") -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(
                    sa.func.lower(OutboundEmail.to_addr) == address.lower(),
                    OutboundEmail.idempotency_key.like(f"{prefix}%"),
                )
                .order_by(OutboundEmail.id)
            )
        )


def _held(member) -> list[HeldNotice]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(HeldNotice)
                .where(HeldNotice.membership_id == member.id)
                .order_by(HeldNotice.id)
                .execution_options(populate_existing=True)
            )
        )


def _choose(member, **choices: str) -> None:
    with tenant(member.agency_id):
        save_preferences(_actor(member), choices)


def _assign(desk, title: str) -> None:
    with tenant(desk.agency.id):
        create_work_item(_actor(desk.owner), desk.client, desk.item_body(title=title, due_at=DUE))


def test_by_default_a_notification_is_emailed_at_once():
    desk = make_desk()
    _assign(desk, "March report")
    (mail,) = _mail_to(desk.va.user.email, "work:")
    assert "March report" in mail.subject
    assert _held(desk.va) == []


def test_switched_off_a_kind_sends_nothing_to_that_person_only():
    desk = make_desk()
    AssignmentFactory(client=desk.client, membership=desk.other_va)
    _choose(desk.va, work_assigned="off")
    _assign(desk, "March report")
    assert _mail_to(desk.va.user.email, "work:") == []
    assert _held(desk.va) == []
    # The reviewer's own kinds are untouched: submitting still tells them (checked elsewhere);
    # here, another VA who keeps the default still hears of their assignment.
    with tenant(desk.agency.id):
        create_work_item(
            _actor(desk.owner),
            desk.client,
            desk.item_body(title="April report", assignee_id=desk.other_va.id, due_at=DUE),
        )
    assert len(_mail_to(desk.other_va.user.email, "work:")) == 1


def test_the_daily_summary_holds_notices_and_sends_one_email_a_day_from_seven():
    with time_machine.travel(dt.datetime(2026, 3, 10, 15, 0, tzinfo=MANILA), tick=False) as clock:
        desk = make_desk()
        with all_tenants():
            desk.va.user.time_zone = "Asia/Manila"
            desk.va.user.locale = "fr"
            db.session.flush()
        _choose(desk.va, work_assigned="daily")
        _assign(desk, "March report")
        _assign(desk, "April report")
        held = _held(desk.va)
        assert [h.kind for h in held] == ["work_assigned", "work_assigned"]
        # Written in the VA's language when it happened, with the item's link.
        assert held[0].subject.startswith("Nouveau travail") and "March report" in held[0].subject
        assert "/work/" in held[0].link
        assert _mail_to(desk.va.user.email) == []

        # 06:59 the next morning in Manila: not yet.
        clock.move_to(dt.datetime(2026, 3, 11, 6, 59, tzinfo=MANILA))
        assert send_daily_summaries() == {"sent": 0}
        assert _mail_to(desk.va.user.email) == []
        # 07:00: one summary listing both, in French; a second sweep sends nothing more.
        clock.move_to(dt.datetime(2026, 3, 11, 7, 0, tzinfo=MANILA))
        assert send_daily_summaries() == {"sent": 1}
        assert send_daily_summaries() == {"sent": 0}
        (summary,) = _mail_to(desk.va.user.email)
        assert summary.idempotency_key == f"notice-summary:{desk.va.id}:2026-03-11"
        assert "2" in summary.subject and "résumé" in summary.subject.lower()
        assert "March report" in summary.text_body and "April report" in summary.text_body
        assert {h.summary_email_id for h in _held(desk.va)} == {summary.id}

        # A notice held after today's summary waits for tomorrow's.
        clock.move_to(dt.datetime(2026, 3, 11, 10, 0, tzinfo=MANILA))
        _assign(desk, "May report")
        assert send_daily_summaries() == {"sent": 0}
        clock.move_to(dt.datetime(2026, 3, 12, 8, 0, tzinfo=MANILA))
        assert send_daily_summaries() == {"sent": 1}
        later = _mail_to(desk.va.user.email)[-1]
        assert "May report" in later.text_body and "March report" not in later.text_body


def test_owners_cannot_switch_security_mail_off_page_and_api(app):
    team = make_team()
    browser = web(app, team.owner)
    page = browser.get(f"/{team.slug}/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-kind="security"' in html and 'data-testid="notice-fixed"' in html
    assert 'data-kind="status_digest"' not in html  # a client's kind
    bad = browser.post(
        f"/{team.slug}/notifications",
        data={"security": "off", "work_assigned": "daily"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'data-testid="form-errors"' in text and "security mail" in text
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticePreference)) == 0

    owner_api = api(app, team.owner)
    refused = owner_api.put("/me/notifications", json={"preferences": {"security": "daily"}})
    assert refused.status_code == 422
    assert "security" in refused.get_json()["errors"]["preferences"]
    unknown = owner_api.put("/me/notifications", json={"preferences": {"surveys": "off"}})
    assert unknown.status_code == 422  # a client's kind, not an owner's
    wrong = owner_api.put("/me/notifications", json={"preferences": {"overdue_work": "weekly"}})
    assert wrong.status_code == 422

    ok = owner_api.put("/me/notifications", json={"preferences": {"overdue_work": "daily"}})
    assert ok.status_code == 200
    rows = {r["kind"]: r for r in ok.get_json()["items"]}
    assert rows["overdue_work"]["channel"] == "daily"
    # The audit log reads the choice as people say it.
    audit = browser.get(f"/{team.slug}/audit").get_data(as_text=True)
    assert "Notification choices changed" in audit and "Daily summary" in audit
    assert rows["security"] == {**rows["security"], "channel": "now", "fixed": True}
    # A manager may switch security mail off.
    manager_api = api(app, team.manager)
    off = manager_api.put("/me/notifications", json={"preferences": {"security": "off"}})
    assert off.status_code == 200


def _entry(team) -> VaultEntry:
    with tenant(team.agency.id):
        entry = VaultEntry(
            agency_id=team.agency.id, client_id=team.client.id, name="Shopify admin",
            username="ops@harbour.test", created_by_id=team.owner.user_id,
        )  # fmt: skip
        store_secret(entry, "s3cret-pass")
        db.session.add(entry)
        db.session.flush()
    return entry


def test_a_revealed_login_alerts_owners_always_and_managers_by_choice():
    team = make_team()
    _choose(team.manager, security="off")
    entry = _entry(team)
    with tenant(team.agency.id):
        assert reveal_vault_entry(_actor(team.va), entry) == "s3cret-pass"
    (alert,) = _mail_to(team.owner.user.email, "security:")
    assert "Shopify admin" in alert.subject
    assert _mail_to(team.manager.user.email, "security:") == []
    assert _mail_to(team.va.user.email, "security:") == []  # the one who acted


def test_a_client_login_chooses_in_the_portal_and_the_digest_honours_it(app):
    team = make_team()
    with all_tenants():
        team.client.time_zone = "America/New_York"
    ContactFactory(client=team.client, email=team.contact.user.email, name="Hana")
    ContactFactory(client=team.client, email="ana@harbour.test", name="Ana")
    db.session.flush()
    browser = web(app, team.contact)
    portal = browser.get(f"/{team.slug}/portal").get_data(as_text=True)
    assert f'href="/{team.slug}/notifications" data-testid="portal-notifications"' in portal
    page = browser.get(f"/{team.slug}/notifications").get_data(as_text=True)
    assert 'data-kind="status_digest"' in page and 'data-kind="work_assigned"' not in page
    saved = browser.post(f"/{team.slug}/notifications", data={"status_digest": "off"})
    assert saved.status_code == 302
    with (
        tenant(team.agency.id),
        time_machine.travel(dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC), tick=False),
    ):
        assert send_digest(team.agency, team.client, dt.date(2026, 3, 16), dt.datetime.now(dt.UTC))
    assert _mail_to(team.contact.user.email, "digest:") == []
    assert len(_mail_to("ana@harbour.test", "digest:")) == 1  # no login, no preferences
