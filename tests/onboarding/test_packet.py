"""The welcome packet through the real job path: the outbox row the run queued is run by
`run_outbox_job` (as a worker runs it), renders the branded PDF with the shared renderer,
stores it and queues one email per contact with the PDF attached; the email jobs deliver to a
real SMTP server (aiosmtpd), once, however often the jobs run again. Arabic clients get an
Arabic, right-to-left packet."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest
import sqlalchemy as sa
import time_machine

from app.clients.services import update_client
from app.core.jobs import OutboxJob, run_outbox_job
from app.core.mail import OutboundEmail
from app.core.storage import get as storage_get
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.onboarding.models import OnboardingRun, OnboardingStep
from app.onboarding.services import regenerate_packet
from tests.invoices.pdf_helpers import pdf_text, set_branding
from tests.onboarding.support import client_of, make_team, owner_actor
from tests.workers.conftest import smtp  # noqa: F401 - fixture used by name

# A Wednesday; Dubai (UTC+4) and Tokyo (UTC+9) keep no daylight saving, so 09:00-17:00 in
# Dubai is 14:00-22:00 in Tokyo on any date the clock is moved to.
NOW = dt.datetime(2026, 3, 18, 8, 0, tzinfo=dt.UTC)


def _jobs(func: str) -> list[int]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboxJob.id).where(OutboxJob.func == func).order_by(OutboxJob.id)
            )
        )


def _run_all(func: str) -> list[str]:
    return [run_outbox_job(job_id) for job_id in _jobs(func)]


def _start(locale: str = "en"):
    team = make_team(locale=locale)
    with tenant(team.agency_id):
        set_branding(team.agency_id, primary_color="#123456")
        update_client(owner_actor(team), client_of(team), {"status": "onboarding"})
        db.session.commit()
    return team


def _run(team) -> OnboardingRun:
    with tenant(team.agency_id):
        return db.session.scalar(
            sa.select(OnboardingRun).where(OnboardingRun.client_id == team.client_id)
        )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_packet_is_rendered_by_the_job_and_emailed_once_with_the_pdf(
    app,
    frozen,
    smtp,  # noqa: F811 - the fixture imported above
    monkeypatch,
):
    handler, smtp_url = smtp
    monkeypatch.setitem(app.config, "SMTP_URL", smtp_url)
    team = _start()
    assert _run_all("app.onboarding.packet.render_packet") == ["succeeded"]
    db.session.expire_all()
    run = _run(team)
    assert run.packet_key and run.packet_sha256
    pdf = storage_get(run.packet_key, run.packet_sha256)
    run_id = run.id
    text = pdf_text(pdf)
    assert "Welcome, Harbour & Co" in text
    assert "Vera Assistant" in text and "Primary" in text  # the team
    assert "We answer within 4 hours." in text  # the response time
    assert "Phone" in text and "Urgent" in text  # channels per message kind
    assert "09:00–17:00" in text and "14:00–22:00" in text  # hours in both zones
    assert "ASIA/DUBAI" in text.upper() and "ASIA/TOKYO" in text.upper()
    assert "Executive Assistant Plus" in text  # the package
    assert "Kick-off call" in text and "Tools access" in text  # next steps: the SOP's stages

    with all_tenants():
        packet_emails = db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.idempotency_key.like("onboarding:%"))
        ).all()
    everyone = sorted([*team.contact_emails, team.login_email])
    assert sorted(e.to_addr for e in packet_emails) == everyone
    with tenant(team.agency_id):
        step = db.session.scalar(
            sa.select(OnboardingStep).where(
                OnboardingStep.run_id == run_id, OnboardingStep.key == "welcome_packet"
            )
        )
        assert (step.state, step.detail) == ("done", {"emailed": 3})

    _run_all("app.core.mail.send_email")
    packets = [
        email.message_from_bytes(m, policy=policy.default)
        for m in handler.messages
        if b"Welcome to Juniper Desk" in m
    ]
    assert sorted(m["To"] for m in packets) == everyone
    for message in packets:
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == pdf

    # The job and the emails again, and a regeneration: nobody gets a second packet.
    delivered = len(handler.messages)
    with tenant(team.agency_id):
        regenerate_packet(owner_actor(team), _run(team))
        db.session.commit()
    with all_tenants():
        for job in db.session.scalars(sa.select(OutboxJob)):
            job.status = "pending" if job.func.endswith("render_packet") else job.status
        db.session.commit()
    assert set(_run_all("app.onboarding.packet.render_packet")) == {"succeeded"}
    _run_all("app.core.mail.send_email")
    assert len(handler.messages) == delivered
    with all_tenants():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(OutboundEmail.id)).where(
                    OutboundEmail.idempotency_key.like("onboarding:%")
                )
            )
            == 3
        )


def test_the_arabic_packet_is_arabic_and_right_to_left(app, frozen):
    team = _start(locale="ar")
    assert _run_all("app.onboarding.packet.render_packet") == ["succeeded"]
    db.session.expire_all()
    run = _run(team)
    data = storage_get(run.packet_key, run.packet_sha256)
    text = pdf_text(data)
    assert "فريقك" in text  # "Your team"
    assert "Vera Assistant" in text
    assert "Welcome" not in text
    from app.onboarding.packet import packet_context

    with tenant(team.agency_id):
        assert packet_context(run)["doc"]["dir"] == "rtl"
