"""CSAT after delivery: who is asked, the N-day rule, and the agency's setting."""

from __future__ import annotations

import datetime as dt

import time_machine

from app.core.tenancy import tenant
from app.extensions import db
from app.surveys.services import update_settings
from app.work.models import Review
from tests.factories import ContactFactory
from tests.surveys.support import (
    actor_of,
    approved_item,
    deliver,
    make_desk,
    survey_emails,
    surveys,
)

T0 = dt.datetime(2027, 3, 10, 15, tzinfo=dt.UTC)


def test_delivery_asks_the_clients_contacts_once_through_the_outbox():
    desk = make_desk()
    second = ContactFactory(client=desk.client, name="Sam Second", email="sam@client.test")
    ContactFactory(client=desk.client, name="No Mail", email=None)
    item = approved_item(desk, title="Spring newsletter")
    with time_machine.travel(T0, tick=False):
        deliver(desk, item)
    [survey] = surveys(desk.agency.id)
    assert (survey.kind, survey.work_item_id, survey.recipient_source) == (
        "csat",
        item.id,
        "contacts",
    )
    assert sorted(survey.recipients) == sorted([desk.contact.user.email, second.email])
    assert survey.sent_at == T0 and survey.expires_at == T0 + dt.timedelta(days=30)
    sent = survey_emails()
    assert sorted(e.to_addr for e in sent) == sorted(survey.recipients)
    body = sent[0].text_body
    assert "Spring newsletter" in body
    # one link per score, each to the answer page of this agency
    for score in range(1, 6):
        assert "/survey/srv_" in body and f"score={score}" in body
    assert all(e.idempotency_key.startswith(f"survey:{survey.id}:") for e in sent)


def test_the_contact_who_approved_is_the_one_asked():
    desk = make_desk()
    ContactFactory(client=desk.client, name="Other", email="other@client.test")
    item = approved_item(desk)
    with tenant(desk.agency.id):
        db.session.add(
            Review(
                agency_id=desk.agency.id,
                work_item_id=item.id,
                reviewer_id=desk.contact.id,
                round=1,
                outcome="client_approved",
            )
        )
        db.session.flush()
    with time_machine.travel(T0, tick=False):
        deliver(desk, item)
    [survey] = surveys(desk.agency.id)
    assert survey.recipient_source == "approver"
    assert survey.recipients == [desk.contact.user.email]
    assert [e.to_addr for e in survey_emails()] == [desk.contact.user.email]


def test_at_most_one_csat_per_client_in_n_days():
    desk = make_desk()
    items = [approved_item(desk) for _ in range(3)]
    with time_machine.travel(T0, tick=False):
        deliver(desk, items[0])
    with time_machine.travel(T0 + dt.timedelta(days=13, hours=23), tick=False):
        deliver(desk, items[1])
    assert len(surveys(desk.agency.id)) == 1
    with time_machine.travel(T0 + dt.timedelta(days=14, minutes=1), tick=False):
        deliver(desk, items[2])
    found = surveys(desk.agency.id)
    assert [s.work_item_id for s in found] == [items[0].id, items[2].id]
    assert len(survey_emails()) == 2


def test_the_agency_sets_n():
    desk = make_desk()
    items = [approved_item(desk) for _ in range(2)]
    with tenant(desk.agency.id):
        update_settings(actor_of(desk.owner), {"csat_interval_days": 3})
    with time_machine.travel(T0, tick=False):
        deliver(desk, items[0])
    with time_machine.travel(T0 + dt.timedelta(days=3, minutes=1), tick=False):
        deliver(desk, items[1])
    assert len(surveys(desk.agency.id)) == 2


def test_a_client_without_any_email_gets_no_survey_and_keeps_its_window():
    desk = make_desk()
    with tenant(desk.agency.id):
        for contact in desk.client.contacts:
            contact.email = None
        db.session.flush()
    with time_machine.travel(T0, tick=False):
        deliver(desk, approved_item(desk))
    assert surveys(desk.agency.id) == [] and survey_emails() == []


def test_other_clients_are_not_limited_by_this_one():
    desk = make_desk()
    other = make_desk()
    with time_machine.travel(T0, tick=False):
        deliver(desk, approved_item(desk))
        deliver(other, approved_item(other))
    assert len(surveys()) == 2
