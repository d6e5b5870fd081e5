"""Time-off emails: a request tells every active owner and manager, each in their own
language; the decision (approved or declined, with the reason) tells the person, in theirs.
Time off entered by a manager sends nothing; nothing is sent twice."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.capacity.models import TimeOff
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.capacity.support import add_time_off
from tests.clients.support import api, web
from tests.factories import MembershipFactory
from tests.helpers import speaks
from tests.work.support import emails

DAY = "2026-03-20"


def _by_address():
    return {e.to_addr: e for e in emails("time_off:")}


def test_a_request_emails_owners_and_managers_in_their_language(app, team):
    speaks(team.owner, "ar")
    speaks(team.manager, "fr")
    MembershipFactory(agency=team.agency, role="manager", status="suspended")
    db.session.commit()
    resp = web(app, team.va).post(
        f"/{team.slug}/capacity/time-off",
        data={"starts_on": DAY, "ends_on": "2026-03-24", "kind": "vacation"},
    )
    assert resp.status_code == 302
    sent = _by_address()
    assert set(sent) == {team.owner.user.email.lower(), team.manager.user.email.lower()}
    name = team.va.user.name
    arabic = sent[team.owner.user.email.lower()]
    assert arabic.subject == f"طلب إجازة من {name}"
    assert "إجازة سنوية" in arabic.text_body and "مارس" in arabic.text_body
    assert '<html lang="ar" dir="rtl">' in arabic.html_body
    french = sent[team.manager.user.email.lower()]
    assert french.subject == f"Demande d’absence de {name}"
    assert "demande une absence (Congés)" in french.text_body
    assert "/capacity/team" in french.text_body
    assert '<html lang="fr" dir="ltr">' in french.html_body


def test_the_decision_emails_the_person_in_their_language(app, team):
    speaks(team.va, "fr", commit=True)
    first = add_time_off(team.va, dt.date(2026, 3, 20), state="pending")
    second = add_time_off(team.va, dt.date(2026, 3, 27), state="pending")
    db.session.commit()
    manager = web(app, team.manager)
    assert manager.post(f"/{team.slug}/capacity/time-off/{first.id}/approve").status_code == 302
    resp = api(app, team.owner).post(f"/time-off/{second.id}/decline", json={"reason": "Lancement"})
    assert resp.status_code == 200
    sent = emails("time_off:")
    assert [e.to_addr for e in sent] == [team.va.user.email.lower()] * 2
    assert sent[0].subject.startswith("Votre absence est approuvée")
    assert "20 mars 2026" in sent[0].text_body
    assert sent[1].subject.startswith("Votre demande d’absence est refusée")
    assert "Motif : Lancement" in sent[1].text_body
    assert "/capacity/me" in sent[1].text_body
    # A second decision is refused (not pending): still two emails.
    manager.post(f"/{team.slug}/capacity/time-off/{first.id}/approve")
    assert len(emails("time_off:")) == 2


def test_english_by_default_and_nothing_for_time_off_entered_by_a_manager(app, team):
    resp = api(app, team.manager).post(
        "/time-off", json={"membership_id": team.va.id, "starts_on": DAY}
    )
    assert resp.status_code == 201
    assert emails("time_off:") == []
    api(app, team.va).post("/time-off", json={"starts_on": "2026-04-02"})
    sent = _by_address()
    assert len(sent) == 2
    mail = sent[team.owner.user.email.lower()]
    assert mail.subject == f"Time off request from {team.va.user.name}"
    assert "asks for time off (Vacation): 2 Apr 2026." in mail.text_body
    with all_tenants():
        row = db.session.scalar(sa.select(TimeOff).where(TimeOff.starts_on == dt.date(2026, 4, 2)))
    api(app, team.va).post(f"/time-off/{row.id}/cancel")
    assert len(emails("time_off:")) == 2  # a cancelled request tells no one
