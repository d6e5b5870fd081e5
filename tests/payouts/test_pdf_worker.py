"""The payout PDF and email with real processes (as the invoice PDF flow test): marking a
statement paid enqueues the render job on the pdf queue; a real RQ worker renders it with
the shared renderer and stores it, and queues one email to the VA with the PDF attached,
which is delivered to a real SMTP server once, even when the job runs again. The VA then
downloads the same PDF; another VA's statement is not theirs to download.

These tests commit for real (marked no_db); the fixtures of tests/workers empty every table.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
from email import policy

import pytest
import sqlalchemy as sa

from app.agencies.models import Agency
from app.core.clock import today_in
from app.core.jobs import enqueue_job
from app.core.mail import OutboundEmail
from app.core.money import input_value
from app.core.permissions import Actor
from app.core.schedule import clock_round
from app.core.storage import get as storage_get
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.extensions import db
from app.payouts.generation import generate_period
from app.payouts.models import PayoutStatement
from app.payouts.queries import period_of
from app.payouts.services import RENDER_JOB, mark_paid, review_statement
from app.time.models import TimeEntry
from app.users.models import Membership
from tests.factories import PASSWORD, AgencyFactory, ClientFactory, MembershipFactory
from tests.workers.conftest import (  # noqa: F401 - fixtures used by name
    private_redis,
    rq_app,
    smtp,
    worker_env,
    workers,
)

pytestmark = pytest.mark.no_db


def _setup() -> dict:
    agency = AgencyFactory(name="Juniper Desk", time_zone="Europe/London", base_currency="USD")
    owner = MembershipFactory(agency=agency, role="owner")
    va = MembershipFactory(agency=agency, role="va", cost_rate_minor=1250, cost_currency="USD")
    va.user.locale = "fr"
    other = MembershipFactory(agency=agency, role="va", cost_rate_minor=900, cost_currency="USD")
    client = ClientFactory(agency=agency, name="Harbour & Co")
    today = today_in(agency.time_zone)
    with tenant(agency.id):
        for member in (va, other):
            db.session.add(
                TimeEntry(
                    agency_id=agency.id, membership_id=member.id, client_id=client.id,
                    billable=True, entry_date=today, duration_seconds=7200, zone="UTC",
                    approved_at=dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
        db.session.commit()
    return {
        "agency_id": agency.id,
        "slug": agency.slug,
        "owner_id": owner.id,
        "va_id": va.id,
        "va_email": va.user.email,
        "today": today,
    }


def _actor(world: dict) -> Actor:
    member = db.session.get(Membership, world["owner_id"])
    return Actor(
        user=member.user, agency=db.session.get(Agency, world["agency_id"]), membership=member
    )


def _pay(world: dict) -> tuple[int, int]:
    """The owner generates the period, reviews both statements and pays the VA's."""
    with tenant(world["agency_id"]):
        actor = _actor(world)
        made = generate_period(actor, period_of(world["today"]))
        for s in made:
            review_statement(actor, s)
        mine = next(s for s in made if s.membership_id == world["va_id"])
        theirs = next(s for s in made if s.membership_id != world["va_id"])
        mark_paid(
            actor,
            mine,
            {
                "amount": input_value(mine.total_minor, mine.currency),
                "paid_on": world["today"],
                "method": "bank_transfer",
                "reference": "SEPA-77",
            },
        )
        ids = (mine.id, theirs.id)
        commit()
    return ids


def test_paid_statement_is_rendered_by_a_worker_and_emailed_once(rq_app, smtp, workers):  # noqa: F811
    handler, _ = smtp
    world = _setup()
    mine, theirs = _pay(world)
    log = workers.burst(timeout=120)

    db.session.expire_all()
    with all_tenants():
        statement = db.session.get(PayoutStatement, mine)
        emails = list(db.session.scalars(sa.select(OutboundEmail)))
    assert statement.pdf_key and statement.pdf_sha256, log[-2000:]
    assert [e.to_addr for e in emails] == [world["va_email"]]
    assert len(handler.messages) == 1, log[-2000:]
    message = email.message_from_bytes(handler.messages[0], policy=policy.default)
    assert "Juniper Desk" in str(message["Subject"]) and "payé" in str(message["Subject"])
    (pdf_part,) = [
        p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    pdf = pdf_part.get_content()
    assert pdf.startswith(b"%PDF") and pdf == storage_get(statement.pdf_key)
    assert hashlib.sha256(pdf).hexdigest() == statement.pdf_sha256

    # The job runs again (a retry, a second request): no second email.
    with tenant(world["agency_id"]):
        enqueue_job(db.session, RENDER_JOB, label="again", queue="pdf",
                    agency_id=world["agency_id"], statement_id=mine, email=True)  # fmt: skip
        commit()
    clock_round()
    workers.burst(timeout=120)
    assert len(handler.messages) == 1
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 1

    # The VA downloads their PDF; the other VA's statement is not theirs.
    http = rq_app.test_client()
    resp = http.post("/login", data={"email": world["va_email"], "password": PASSWORD})
    assert resp.status_code in (302, 303)
    download = http.get(f"/{world['slug']}/payouts/{mine}/pdf")
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    assert http.get(f"/{world['slug']}/payouts/{theirs}/pdf").status_code == 404
    assert http.get(f"/{world['slug']}/payouts/{theirs}").status_code == 404
