"""Background work under faults, against real processes: `python -m workers` killed with
SIGKILL at chosen moments of an SMTP conversation (aiosmtpd with delayed answers), backlogs
behind a slow server, retries against a server answering 451, a private redis-server
stopped and started again, and sign-in while Redis is down."""

from __future__ import annotations

import itertools
import logging
import time

import pytest
import redis

from app.core.jobs import JOB_RUNS_KEY
from app.core.schedule import clock_round
from tests.helpers import empty_every_table
from tests.workers.conftest import TEST_ALIVE_TTL, TEST_UNKNOWN_OUTCOME_DELAY, wait_for
from tests.workers.test_background_work import _agency, _email, _email_row, _jobs

pytestmark = pytest.mark.no_db


def _runs(private_redis) -> int:
    return int(redis.Redis.from_url(private_redis.url).get(JOB_RUNS_KEY) or 0)


def test_worker_killed_while_the_server_delays_quit_does_not_send_again(rq_app, smtp, workers):
    """The server accepted the message (250) and is slow to answer QUIT; the worker dies
    waiting. The email was delivered: it is recorded sent before QUIT and never sent again."""
    handler, _ = smtp
    handler.quit_delay = 30.0
    agency, _ = _agency()
    email_id = _email(agency)
    first = workers.start("--queues", "email")
    assert handler.quit_started.wait(30), "the worker never reached QUIT"
    workers.kill(first)
    row = _email_row(email_id)
    assert row.status == "sent" and row.smtp_reply.startswith("250")
    assert _jobs()[0].status == "succeeded"  # committed with the email, before QUIT
    # Long after the worker's beat expired, the clock recovers nothing and a worker sends
    # nothing more.
    time.sleep(TEST_ALIVE_TTL + 0.5)
    assert clock_round()["recovered"] == 0
    workers.burst("--queues", "email")
    assert handler.attempts == 1 and len(handler.messages) == 1


def test_worker_killed_before_the_message_went_out_sends_it_at_once(
    rq_app, smtp, workers, private_redis
):
    """Killed while the server was slow to accept the recipient: the body never left, so
    after recovery the message goes at once (no waiting), once."""
    handler, _ = smtp
    handler.rcpt_delay = 30.0
    agency, _ = _agency()
    email_id = _email(agency)
    first = workers.start("--queues", "email")
    assert handler.rcpt_started.wait(30)
    workers.kill(first)
    row = _email_row(email_id)
    assert row.status == "sending" and row.data_sent_at is None
    handler.rcpt_delay = 0
    wait_for(lambda: clock_round()["recovered"] == 1, timeout=TEST_ALIVE_TTL + 10)
    workers.burst("--queues", "email")  # (the clock's periodic jobs wait on another queue)
    row = _email_row(email_id)
    assert row.status == "sent" and row.attempts == 2
    assert handler.attempts == 1 and len(handler.messages) == 1
    assert _runs(private_redis) == 2  # the killed run and the one after recovery


def test_a_backlog_behind_a_slow_server_is_never_published_twice(
    rq_app, smtp, workers, private_redis
):
    """Emails waiting in RQ's queue far longer than the queue timeout (3 s here) are waiting,
    not lost: with the clock sweeping every 0.3 s, each email runs once."""
    handler, _ = smtp
    handler.delay = 0.4
    agency, _ = _agency()
    ids = [_email(agency, n) for n in range(12)]  # ~5 s of work for one worker
    workers.clock(interval=0.3)
    workers.start("--queues", "email")
    wait_for(lambda: all(_email_row(i).status == "sent" for i in ids), timeout=60)
    time.sleep(1)
    assert len(handler.messages) == 12
    assert _runs(private_redis) == 12
    assert {j.attempts for j in _jobs() if j.queue == "email"} == {1}


def test_two_workers_killed_repeatedly_deliver_every_email_and_never_race(
    rq_app, smtp, workers, private_redis
):
    """The kill test, bounded for the suite (benchmarks/bench_faults.py runs it at 200
    emails and 30 kills): 2 workers, a slow server (slow to answer the message and slower
    to answer QUIT), the clock sweeping; a worker is SIGKILLed every ~1.5 s and restarted
    at once, as a supervisor would. Every email is delivered; one is delivered twice only
    when a kill fell between the server's 250 and its record (see below)."""
    handler, _ = smtp
    handler.delay = 0.05
    handler.quit_delay = 0.25
    agency, _ = _agency()
    n = 40
    ids = [_email(agency, k) for k in range(n)]
    workers.clock(interval=0.5)
    pool = [workers.start("--queues", "email") for _ in range(2)]
    kills = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        sent = sum(_email_row(i).status == "sent" for i in ids)
        if sent == n:
            break
        if kills < 6 and sent >= 3:
            victim = kills % 2
            workers.kill(pool[victim])
            pool[victim] = workers.start("--queues", "email")
            kills += 1
        time.sleep(1.5)
    rows = [_email_row(i) for i in ids]
    assert [r.status for r in rows] == ["sent"] * n
    assert kills == 6
    ids_seen = handler.message_ids()
    duplicates = len(ids_seen) - len(set(ids_seen))
    runs = _runs(private_redis)
    logging.getLogger(__name__).warning(
        "kill test: %s emails, %s kills, %s deliveries, %s duplicates, %s RQ runs",
        n, kills, len(ids_seen), duplicates, runs,
    )  # fmt: skip
    assert len(set(ids_seen)) == n
    # A duplicate has one cause only: a worker killed after the server answered 250 and
    # before it could record that answer (a window of a few milliseconds that SMTP cannot
    # close). Such a message is sent again with the same Message-ID once its outcome counts
    # as unknown, never while the first conversation could still be going on. So every
    # delivery but a message's last came on a connection whose client never said QUIT, and
    # deliveries of one message are at least the unknown-outcome delay apart.
    by_id: dict[str, list[tuple[int, float]]] = {}
    for message_id, connection, at in handler.accepted:
        by_id.setdefault(message_id, []).append((connection, at))
    for message_id, deliveries in by_id.items():
        for (connection, at), (_, next_at) in itertools.pairwise(deliveries):
            assert connection not in handler.quit_connections, (
                f"{message_id} delivered again after a client that recorded it said QUIT"
            )
            assert next_at - at >= TEST_UNKNOWN_OUTCOME_DELAY - 0.5, message_id
    assert duplicates <= kills
    assert runs <= 1.2 * n, f"{runs} RQ job runs for {n} emails"


def test_retries_wait_their_documented_time_once(rq_app, smtp, workers):
    """451 twice, then 250, with JOB_RETRY_BASE_SECONDS=1: attempts at least 1 s then 4 s
    apart (RQ's scheduler works in whole seconds, so a retry may start later, never
    earlier), three in all, although the clock sweeps all the while and the second wait
    outlasts the queue's 3 s timeout (recovery used to re-publish a waiting retry and run it
    early)."""
    handler, _ = smtp
    handler.script = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
    agency, _ = _agency()
    email_id = _email(agency)
    workers.clock(interval=0.3)
    workers.start("--queues", "email")
    wait_for(lambda: _email_row(email_id).status == "sent", timeout=40)
    time.sleep(2)  # an extra copy would run within this
    assert handler.attempts == 3
    first, second, third = handler.attempt_times
    # Documented waits of 1 s and 4 s: never shorter (a retry run early is the defect; a
    # flat backoff would make the second wait ~1 s too). Never much longer either, though
    # RQ's scheduler polls once a second and a loaded 2-core machine starts a retry late:
    # CI has seen the first one 2 s late, so 5 s of lateness are allowed.
    assert 0.95 <= second - first <= 1 + 5, second - first
    assert 3.95 <= third - second <= 4 + 5, third - second
    job = _jobs()[0]
    assert job.status == "succeeded" and job.attempts == 3
    assert _email_row(email_id).attempts == 3


def test_worker_rides_out_a_redis_restart(rq_app, smtp, workers, private_redis):
    """Redis stops under a worker busy with a job, and comes back: the job's email is sent
    once, and the same worker process logs the outage once, reconnects and runs the next
    job (it used to exit with code 1 when RQ's bookkeeping after the job failed)."""
    handler, _ = smtp
    handler.delay = 2.0
    agency, _ = _agency()
    worker = workers.start("--queues", "email")
    first_id = _email(agency, 0)
    assert handler.data_started.wait(30)
    private_redis.stop()
    try:
        wait_for(lambda: _email_row(first_id).status == "sent", timeout=20)
        time.sleep(3)
        assert worker.poll() is None, workers.log(worker)[-2000:]
    finally:
        private_redis.start()
    handler.delay = 0
    email_id = _email(agency, 1)
    row = wait_for(lambda: (r := _email_row(email_id)).status == "sent" and r, timeout=30)
    assert row.attempts == 1 and len(handler.messages) == 2
    assert worker.poll() is None  # the same process carried on
    log = workers.log(worker)
    assert log.count("Redis is unreachable") == 1, log[-3000:]
    assert "could not connect to Redis" not in log
    assert "Redis is back" in log


def test_sign_in_and_pages_work_while_redis_is_down(
    database_url, private_redis, storage_dir, caplog
):
    """Redis (rate-limit storage and queues) stopped: signing in answers as usual, limits
    hold per process, pages work, and /healthz says what is degraded."""
    from app import create_app
    from app.extensions import db
    from tests.factories import AgencyFactory, MembershipFactory

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": private_redis.url,
            "RATELIMIT_STORAGE_URI": private_redis.url,
            "WTF_CSRF_ENABLED": False,
            "STORAGE_DIR": storage_dir,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 8192,
            "LOGIN_RATE_LIMIT_ACCOUNT": "3 per minute",
        }
    )
    with app.app_context():
        agency = AgencyFactory(name="Juniper Desk")
        owner = MembershipFactory(agency=agency, role="owner")
        db.session.commit()
        email, slug = owner.user.email, agency.slug
        try:
            private_redis.stop()
            client = app.test_client()
            with caplog.at_level(logging.WARNING):
                resp = client.post(
                    "/login", data={"email": email, "password": "correct-horse-battery"}
                )
            assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
            assert "falling back to in-memory" in caplog.text
            for path in (f"/{slug}/", f"/{slug}/clients", f"/{slug}/jobs", "/profile"):
                page = client.get(path, follow_redirects=True)
                assert page.status_code == 200, path
            health = client.get("/healthz")
            assert health.status_code == 200
            body = health.get_json()
            assert body["status"] == "degraded"
            assert body["checks"]["redis"].startswith("error")
            assert body["checks"]["rate_limits"].startswith("per-process")
            # The account limit still holds, in this process.
            other = app.test_client()
            codes = [
                other.post("/login", data={"email": email, "password": "wrong"}).status_code
                for _ in range(4)
            ]
            assert codes[-1] == 429
        finally:
            private_redis.start()
            db.session.remove()
            empty_every_table()
            db.engine.dispose()
