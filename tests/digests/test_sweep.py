"""The weekly digest sweep: Monday 09:00 in the client's zone, once per client and week,
catching up after a clock outage, nothing for a paused client (and no backlog after)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.schedule import PERIODIC
from app.core.tenancy import all_tenants, tenant
from app.digests.models import ClientDigest
from app.digests.services import set_digest_paused
from app.digests.sweep import sweep_client_digests
from app.extensions import db
from tests.clients.support import make_team
from tests.factories import ContactFactory, InvoiceFactory, WorkItemFactory

MONDAY = dt.date(2026, 3, 16)  # New York is on summer time (UTC-4) since 8 March
WEEK = MONDAY


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _sweep(when: dt.datetime) -> dict:
    with time_machine.travel(when, tick=False):
        return sweep_client_digests()


def _emails(team) -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(
                    OutboundEmail.agency_id == team.agency.id,
                    OutboundEmail.idempotency_key.like("digest:%"),
                )
                .order_by(OutboundEmail.id)
            )
        )


def _digests(team) -> list:
    """(week_start, recipients, snapshot) of the agency's digests, as plain values."""
    with all_tenants():
        return db.session.execute(
            sa.select(ClientDigest.week_start, ClientDigest.recipients, ClientDigest.snapshot)
            .where(ClientDigest.agency_id == team.agency.id)
            .order_by(ClientDigest.week_start)
        ).all()


def _team():
    team = make_team()
    team.client.time_zone = "America/New_York"
    ContactFactory(client=team.client, email="ana@harbour.test", name="Ana")
    ContactFactory(client=team.client, email=None, name="No mail")
    db.session.flush()
    return team


def test_the_sweep_is_a_periodic_job():
    assert any(p.func == "app.digests.sweep.sweep_client_digests" for p in PERIODIC)


def test_monday_09_00_client_time_exactly_once(app):
    team = _team()
    WorkItemFactory(
        client=team.client,
        title="Newsletter",
        state="delivered",
        delivered_at=_at(MONDAY - dt.timedelta(days=2), 15),
    )
    WorkItemFactory(
        client=team.client, title="Logo", state="awaiting_client", due_at=_at(MONDAY, 20)
    )
    WorkItemFactory(
        client=team.client,
        title="Old one",
        state="delivered",
        delivered_at=_at(MONDAY - dt.timedelta(days=9), 15),
    )
    InvoiceFactory(client=team.client, number="INV-2026-00042", total_minor=123456)
    client_id = team.client.id
    _sweep(_at(MONDAY, 12, 59))  # 08:59 in New York
    assert _emails(team) == [] and _digests(team) == []
    assert _sweep(_at(MONDAY, 13, 0)) == {"digests": 1}
    _sweep(_at(MONDAY, 13, 15))
    _sweep(_at(MONDAY, 13, 15))  # a second clock in the same slot
    emails = _emails(team)
    assert [e.to_addr for e in emails] == ["ana@harbour.test"]
    assert emails[0].idempotency_key.startswith(f"digest:{client_id}:{WEEK.isoformat()}:")
    body = emails[0].text_body
    assert "Newsletter" in body and "Logo" in body and "Old one" not in body
    assert "$1,234.56" in body and "INV-2026-00042" in body
    [digest] = _digests(team)
    assert digest.week_start == WEEK and digest.recipients == ["ana@harbour.test"]
    assert digest.snapshot["delivered"]["count"] == 1
    assert digest.snapshot["waiting"]["count"] == 1


def test_a_clock_down_on_monday_catches_up_on_tuesday_once_and_not_next_monday_early(app):
    team = _team()
    _sweep(_at(MONDAY + dt.timedelta(days=1), 16))  # first sweep after the outage
    _sweep(_at(MONDAY + dt.timedelta(days=6), 23))  # Sunday evening: nothing again
    assert len(_emails(team)) == 1 and len(_digests(team)) == 1
    _sweep(_at(MONDAY + dt.timedelta(days=7), 12, 45))  # next Monday 08:45 New York
    assert len(_digests(team)) == 1
    _sweep(_at(MONDAY + dt.timedelta(days=7), 13, 0))
    assert [d.week_start for d in _digests(team)] == [WEEK, WEEK + dt.timedelta(days=7)]


def test_the_client_language_and_arabic_digits(app):
    team = _team()
    team.client.locale = "ar"
    InvoiceFactory(client=team.client, total_minor=5000)
    db.session.flush()
    _sweep(_at(MONDAY, 13))
    [email] = _emails(team)
    assert 'lang="ar" dir="rtl"' in email.html_body
    assert "Open your portal" not in email.text_body


def test_a_paused_client_gets_nothing_and_no_backlog_when_resumed(app):
    team = _team()
    owner = Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
    with tenant(team.agency.id), time_machine.travel(_at(MONDAY - dt.timedelta(days=3), 12)):
        set_digest_paused(owner, team.client, True)
    _sweep(_at(MONDAY, 13))
    _sweep(_at(MONDAY + dt.timedelta(days=1), 13))
    assert _emails(team) == []
    # Resumed on Wednesday: this week's send time passed while paused, so nothing now...
    with tenant(team.agency.id), time_machine.travel(_at(MONDAY + dt.timedelta(days=2), 12)):
        set_digest_paused(owner, team.client, False)
    _sweep(_at(MONDAY + dt.timedelta(days=2), 13))
    _sweep(_at(MONDAY + dt.timedelta(days=6), 13))
    assert _emails(team) == [] and _digests(team) == []
    # ...and the next Monday as usual.
    _sweep(_at(MONDAY + dt.timedelta(days=7), 13))
    assert len(_emails(team)) == 1
    assert [d.week_start for d in _digests(team)] == [WEEK + dt.timedelta(days=7)]
