"""Background work against real processes: a real RQ worker (`python -m workers`) on a
private redis-server, a real SMTP server (aiosmtpd), and the clock's sweep."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import redis
import sqlalchemy as sa

from app.core.jobs import OutboxJob, publish, recover_stale, run_outbox_job
from app.core.mail import OutboundEmail, queue_email
from app.core.schedule import clock_round
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.extensions import db
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.workers.conftest import TEST_ALIVE_TTL, TEST_UNKNOWN_OUTCOME_DELAY, wait_for

pytestmark = pytest.mark.no_db


def _agency():
    agency = AgencyFactory(name="Juniper Desk")
    owner = MembershipFactory(agency=agency, role="owner")
    db.session.commit()
    return agency, owner


def _email(agency, n: int = 0, to: str = "olivia@harbour.test") -> int:
    with tenant(agency.id):
        row = queue_email(
            db.session,
            key=f"test:{agency.id}:{n}",
            to=to, locale=None,
            subject=f"Status update {n}",
            template="notice",
            context={"heading": "Weekly status", "body": f"Message {n}", "link": None,
                     "agency_name": agency.name},
            agency_id=agency.id,
            from_name=agency.name,
        )  # fmt: skip
        commit()
    return row.id


def _email_row(email_id: int) -> OutboundEmail:
    db.session.expire_all()
    return db.session.get(OutboundEmail, email_id)


def _jobs() -> list[OutboxJob]:
    db.session.expire_all()
    with all_tenants():
        return list(db.session.scalars(sa.select(OutboxJob).order_by(OutboxJob.id)))


def _queued(private_redis, queue: str = "email") -> int:
    return redis.Redis.from_url(private_redis.url).llen(f"rq:queue:{queue}")


def test_email_is_sent_once_through_a_real_worker(rq_app, smtp, workers):
    handler, _ = smtp
    agency, _ = _agency()
    email_id = _email(agency)
    workers.burst()
    row = _email_row(email_id)
    assert row.status == "sent"
    assert len(handler.messages) == 1
    message = handler.messages[0].decode()
    assert "Subject: Status update 0" in message
    assert "Juniper Desk" in message  # the agency's name is the sender name
    assert _jobs()[0].status == "succeeded"


@pytest.mark.parametrize("server_keeps_it", [False, True], ids=["server-drops", "server-keeps"])
def test_worker_killed_awaiting_the_answer_to_the_message_resends_it_only_after_the_delay(
    rq_app, smtp, workers, server_keeps_it
):
    """Killed after the body went out, before the server's answer: whether the server kept
    the message can't be known, so it is sent again, with the same Message-ID, only once the
    documented delay has passed since the body went out, and never earlier."""
    handler, _ = smtp
    handler.delay = 2.0  # hold the answer to the message so the worker dies waiting for it
    handler.keep_when_client_vanished = server_keeps_it
    agency, _ = _agency()
    email_id = _email(agency)
    first = workers.start("--queues", "email")
    assert handler.data_started.wait(30), "the worker never reached the SMTP DATA step"
    workers.kill(first)
    job = _jobs()[0]
    row = _email_row(email_id)
    assert (job.status, row.status) == ("running", "sending")
    body_sent_at = row.data_sent_at
    assert body_sent_at is not None

    # The worker's last beat is still fresh: its job counts as running, nothing is recovered.
    assert recover_stale() == 0
    # Once its beat has expired, the clock's sweep publishes the job again.
    wait_for(lambda: clock_round()["recovered"] == 1, timeout=TEST_ALIVE_TTL + 10)
    # Run right away (here, not in a worker that takes seconds to start): before the delay
    # is over, the job only looks, and waits.
    job = _jobs()[0]
    assert run_outbox_job(job.id, job.publish_seq) == "retrying"
    kept = 1 if server_keeps_it else 0
    assert len(handler.messages) == kept and handler.attempts == 1
    assert _email_row(email_id).status == "sending"
    assert _jobs()[0].status == "retrying"

    # A worker and the clock: the killed worker's scheduler still holds RQ's scheduler lock,
    # so the clock's sweep hands the retry over once it is due.
    workers.start("--queues", "email")
    workers.clock()
    row = wait_for(lambda: (r := _email_row(email_id)).status == "sent" and r, timeout=30)
    assert handler.attempts == 2
    resent_at = dt.datetime.fromtimestamp(handler.attempt_times[1], dt.UTC)
    assert resent_at >= body_sent_at + dt.timedelta(seconds=TEST_UNKNOWN_OUTCOME_DELAY)
    assert row.attempts == 2 and row.smtp_reply.startswith("250")
    assert len(handler.messages) == kept + 1
    assert len(set(handler.message_ids())) == 1  # a kept copy and the resend: one Message-ID
    job = wait_for(lambda: (j := _jobs()[0]).status == "succeeded" and j, timeout=10)
    assert job.attempts == 2  # the run that only waited is not an attempt


def test_records_made_while_redis_is_down_all_run_once_after_it_returns(
    rq_app, smtp, workers, private_redis
):
    handler, _ = smtp
    agency, _ = _agency()
    private_redis.stop()
    try:
        ids = [_email(agency, n) for n in range(3)]  # commits succeed; publishing waits
        assert {j.status for j in _jobs()} == {"pending"}
    finally:
        private_redis.start()
    assert clock_round()["published"] == 3
    assert clock_round()["published"] == 0  # nothing is published twice
    workers.burst()
    assert [_email_row(i).status for i in ids] == ["sent"] * 3
    assert sorted(m.decode().count("Subject: Status update") for m in handler.messages) == [1] * 3
    assert len(handler.messages) == 3


def test_two_relays_at_once_queue_each_job_once(rq_app, smtp, workers, private_redis):
    handler, _ = smtp
    agency, _ = _agency()
    private_redis.stop()
    try:
        ids = [_email(agency, n) for n in range(6)]
    finally:
        private_redis.start()
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def relay() -> None:
        with rq_app.app_context():
            barrier.wait()
            counts.append(publish())
            db.session.remove()

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 6
    assert _queued(private_redis) == 6
    # A relay that crashed after enqueueing (rows still pending) publishes again: RQ already
    # holds those job ids, so nothing is queued twice.
    with all_tenants():
        db.session.execute(sa.update(OutboxJob).values(status="pending"))
        db.session.commit()
    assert publish() == 6
    assert _queued(private_redis) == 6
    workers.burst()
    assert len(handler.messages) == 6
    assert all(_email_row(i).status == "sent" for i in ids)


def test_smtp_451_then_250_delivers_once_after_a_retry(rq_app, smtp, workers):
    handler, _ = smtp
    handler.script = ["451 4.3.0 Try again later"]
    agency, _ = _agency()
    email_id = _email(agency)
    workers.start()
    row = wait_for(lambda: (r := _email_row(email_id)).status == "sent" and r, timeout=30)
    # The email's 'sent' and its job's success commit together: no moment shows one without
    # the other (it used to: the email committed, then the job, and this read fell between).
    job = _jobs()[0]
    assert job.status == "succeeded" and job.attempts == 2
    assert row.attempts == 2
    assert handler.attempts == 2
    assert len(handler.messages) == 1


def test_smtp_550_fails_at_once_tells_the_owner_and_stops(rq_app, smtp, workers):
    handler, _ = smtp
    handler.script = ["550 5.1.1 No such mailbox"]
    agency, owner = _agency()
    email_id = _email(agency, to="nobody@harbour.test")
    workers.burst()
    row = _email_row(email_id)
    assert row.status == "failed"
    assert "550" in row.last_error
    job = _jobs()[0]
    assert job.status == "failed" and job.attempts == 1
    # Later sweeps never try it again.
    clock_round()
    workers.burst()
    assert handler.attempts == 1 and handler.messages == []
    # The owner is told: a banner on every page and the failed job with its reason.
    client = rq_app.test_client()
    client.post("/login", data={"email": owner.user.email, "password": "correct-horse-battery"})
    page = client.get(f"/{agency.slug}/jobs?group=failed")
    assert page.status_code == 200
    assert b"No such mailbox" in page.data
    assert b'data-testid="failed-jobs-alert"' in page.data


def test_a_rolled_back_change_makes_no_job_and_no_email(rq_app, smtp, workers, private_redis):
    handler, _ = smtp
    agency, _ = _agency()
    with tenant(agency.id):
        queue_email(
            db.session, key="rolled-back", to="a@b.test", locale=None, subject="Never",
            template="notice",
            context={"heading": "x", "body": "y"}, agency_id=agency.id,
        )  # fmt: skip
        db.session.rollback()
        commit()
    assert _jobs() == []
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0
    assert _queued(private_redis) == 0
    workers.burst()
    assert handler.attempts == 0


def test_jobs_see_only_their_own_agency(rq_app, smtp, workers):
    from app.core.permissions import Actor
    from app.exports.models import Export
    from app.exports.services import request_clients_export

    agency_a, owner_a = _agency()
    agency_b = AgencyFactory(name="Other Agency")
    for n in range(3):
        ClientFactory(agency=agency_a, name=f"Alpha client {n}")
    for n in range(4):
        ClientFactory(agency=agency_b, name=f"Bravo client {n}")
    db.session.commit()
    with tenant(agency_a.id):
        export = request_clients_export(
            Actor(user=owner_a.user, agency=agency_a, membership=owner_a)
        )
        commit()
        export_id = export.id
    workers.burst()
    db.session.expire_all()
    with tenant(agency_a.id):
        export = db.session.get(Export, export_id)
        assert export.status == "ready"
        assert export.row_count == 3
        assert "Alpha client" in export.content and "Bravo client" not in export.content
    job = _jobs()[0]
    assert job.status == "succeeded"
    assert (job.progress_done, job.progress_total) == (3, 3)


def test_email_with_an_attachment_reaches_the_server_intact(rq_app, smtp, workers):
    import email

    from app.core import storage
    from app.core.mail import Attachment

    handler, _ = smtp
    agency, _ = _agency()
    pdf = b"%PDF-1.7\n% a tiny stand-in document\n%%EOF\n"
    stored = storage.put(storage.make_key("agency", agency.id, "test", "doc.pdf"), pdf)
    attachment = Attachment("INV-2026-00001.pdf", "application/pdf", stored.key, stored.sha256)
    with tenant(agency.id):
        queue_email(
            db.session, key="with-file", to="ap@harbour.test", locale=None, subject="Your document",
            template="notice", context={"heading": "Attached", "body": "See the file."},
            agency_id=agency.id, attachments=[attachment],
        )  # fmt: skip
        commit()
    log = workers.burst()
    assert len(handler.messages) == 1, log[-3000:]
    msg = email.message_from_bytes(handler.messages[0])
    parts = [p for p in msg.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == ["INV-2026-00001.pdf"]
    assert parts[0].get_content_type() == "application/pdf"
    assert parts[0].get_payload(decode=True) == pdf
