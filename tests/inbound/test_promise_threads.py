"""The response-time promise in request threads: a request by email starts the clock; a
staff answer stops it, or holds it when it asks the client for something; the client's
answer (by email or in the portal) resumes it, or starts a new one once answered."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.clients.models import Client
from app.core.tenancy import all_tenants
from app.extensions import db
from app.promises.models import ResponseClock
from tests.inbound.support import mail, messages, requests, send

pytestmark = pytest.mark.no_db


def _clocks(agency_id: int) -> list[tuple[str, str, int]]:
    """(state, source kind, source id) of the agency's clocks, oldest first."""
    db.session.expire_all()
    with all_tenants():
        return [
            (c.state, c.source_kind, c.source_id)
            for c in db.session.scalars(
                sa.select(ResponseClock)
                .where(ResponseClock.agency_id == agency_id)
                .order_by(ResponseClock.id)
            )
        ]


def test_answers_in_a_request_thread_hold_resume_and_stop_the_clock(intake, receiver):
    with all_tenants():
        db.session.get(Client, intake.client_id).response_time_hours = 24
        db.session.commit()
    first = mail(intake.contact_email, intake.address, subject="Easter newsletter")
    send(receiver, first)
    [req] = requests(intake.agency_id)
    assert _clocks(intake.agency_id) == [("running", "work_request", req.id)]

    url = f"/{intake.slug}/requests/{req.id}/replies"
    page = intake.owner_web.get(f"/{intake.slug}/requests/{req.id}").get_data(as_text=True)
    assert 'name="asks_client"' in page
    asked = intake.owner_web.post(url, data={"body": "Which Friday?", "asks_client": "on"})
    assert asked.status_code == 302
    assert _clocks(intake.agency_id) == [("paused", "work_request", req.id)]

    # The client answers by email: the same clock runs again.
    ours = messages(req.id)[-1].message_id
    send(receiver, mail(intake.contact_email, intake.address, subject="Re: Easter newsletter",
                        text="The 14th.", in_reply_to=ours))  # fmt: skip
    assert _clocks(intake.agency_id) == [("running", "work_request", req.id)]

    # A plain answer stops it.
    assert intake.owner_web.post(url, data={"body": "Noted, on it."}).status_code == 302
    assert _clocks(intake.agency_id) == [("answered", "work_request", req.id)]

    # The client asks more in the portal: a new clock on the same thread.
    portal = intake.contact_web.post(
        f"/{intake.slug}/portal/requests/{req.id}/replies", data={"body": "Add the logo too?"}
    )
    assert portal.status_code == 302
    last = messages(req.id)[-1]
    assert _clocks(intake.agency_id) == [
        ("answered", "work_request", req.id),
        ("running", "request_message", last.id),
    ]
    # A client cannot ask themselves through the API.
    refused = intake.contact_api.post(
        f"/work-requests/{req.id}/messages", json={"body": "Hm", "asks_client": True}
    )
    assert refused.status_code == 422 and "asks_client" in refused.get_json()["errors"]
    # Staff answer through the API, asking again: the new clock waits on the client.
    asked = intake.owner_api.post(
        f"/work-requests/{req.id}/messages", json={"body": "Colour or mono?", "asks_client": True}
    )
    assert asked.status_code == 201
    assert _clocks(intake.agency_id)[-1][0] == "paused"
