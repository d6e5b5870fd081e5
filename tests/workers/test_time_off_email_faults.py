"""Time-off emails under faults, counted where they arrive (aiosmtpd), with real `python -m
workers` processes, a private redis-server and committed PostgreSQL data:

- two processes decide the same pending request at the same moment: one decision wins, the
  other is refused as no longer pending, and the person gets one email, the winner's;
- a decision whose transaction rolls back (the code raises before commit, or the commit
  itself fails) sends nothing, ever;
- a worker killed right after the server's 250 does not send the email again; one killed
  before the message went out sends it once after recovery;
- a VA's request reaches every active owner and manager once, in each one's language, with
  two workers taking the jobs.

The days of time off are fixed far ahead: nothing here depends on today."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import multiprocessing
import queue
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.agencies.models import Agency
from app.capacity.models import TimeOff
from app.capacity.services import approve_time_off
from app.core.jobs import OutboxJob
from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.schedule import clock_round
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.extensions import db
from app.users.models import Membership
from tests.capacity.support import add_time_off
from tests.clients.support import api
from tests.factories import AgencyFactory, MembershipFactory
from tests.helpers import speaks
from tests.workers.conftest import TEST_ALIVE_TTL, wait_for

pytestmark = pytest.mark.no_db

FIRST, LAST = dt.date(2031, 5, 12), dt.date(2031, 5, 16)
APPROVED = "Your time off is approved: 12 May 2031 – 16 May 2031"
DECLINED = "Your time off request is declined: 12 May 2031 – 16 May 2031"


# --- set-up and what the SMTP server received ----------------------------------------------


@dataclass(frozen=True)
class Team:
    agency_id: int
    owner_id: int
    manager_id: int
    va_email: str
    request_id: int
    va_id: int


def _team() -> Team:
    """An agency with an owner, a manager and a VA whose request of FIRST..LAST is pending
    (written directly: no email yet), all committed."""
    agency = AgencyFactory(name="Juniper Desk")
    owner = MembershipFactory(agency=agency, role="owner")
    manager = MembershipFactory(agency=agency, role="manager")
    va = MembershipFactory(agency=agency, role="va")
    request_id = add_time_off(va, FIRST, LAST, state="pending").id
    db.session.commit()
    return Team(agency.id, owner.id, manager.id, va.user.email.lower(), request_id, va.id)


def _actor(member_id: int) -> Actor:
    """The member as an actor (inside their agency's tenant)."""
    member = db.session.get(Membership, member_id)
    return Actor(
        user=member.user, agency=db.session.get(Agency, member.agency_id), membership=member
    )


def _approve(team: Team) -> None:
    """The owner approves the request in one committed transaction (its email is published
    to Redis)."""
    with tenant(team.agency_id):
        approve_time_off(_actor(team.owner_id), db.session.get(TimeOff, team.request_id))
        commit()


def _delivered(handler) -> list[tuple[str, str]]:
    """(To, Subject) of every message the server accepted, subjects decoded."""
    found = []
    for raw in handler.messages:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        found.append((str(msg["To"]).lower(), str(msg["Subject"])))
    return found


def _time_off_emails() -> list[OutboundEmail]:
    db.session.expire_all()
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like("time_off:%"))
                .order_by(OutboundEmail.id)
            )
        )


def _state(team: Team) -> str:
    db.session.expire_all()
    with tenant(team.agency_id):
        return db.session.get(TimeOff, team.request_id).state


def _drain(workers) -> None:
    """Publish whatever the outbox holds and run a worker until the queues are empty."""
    clock_round()
    workers.burst("--queues", "email")


# --- 1. two processes decide the same request at the same moment ---------------------------


def decide_in_process(config, agency_id, member_id, request_id, verdict, barrier, out, lag=0.0):
    """A separate process with its own app and database connection: read the pending
    request, wait until the other process has read it too, decide it, hold the transaction
    open a moment (the other decision meets it), commit; report the outcome."""
    from app import create_app
    from app.capacity.services import approve_time_off, cancel_time_off, decline_time_off
    from app.core.errors import Conflict
    from tests.helpers import COMMITTED_DEFAULTS

    app = create_app({**COMMITTED_DEFAULTS, **config})
    with app.app_context(), tenant(agency_id):
        actor = _actor(member_id)
        row = db.session.get(TimeOff, request_id)
        seen = row.state
        barrier.wait(timeout=60)
        time.sleep(lag)  # the second process acts a moment later, on what it read before
        try:
            if verdict == "approve":
                approve_time_off(actor, row)
            elif verdict == "cancel":  # the person takes their own request back
                cancel_time_off(actor, row)
            else:
                decline_time_off(actor, row, "Launch week")
            time.sleep(0.5)
            commit()
            out.put((verdict, seen, "decided"))
        except Conflict as exc:
            db.session.rollback()
            out.put((verdict, seen, exc.code))
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("verdicts", "subjects"),
    [(("approve", "approve"), {"approve": APPROVED}),
     (("approve", "decline"), {"approve": APPROVED, "decline": DECLINED}),
     (("approve", "cancel"), {"approve": APPROVED, "cancel": None})],
    ids=["approve-approve", "approve-decline", "approve-cancel"],
)  # fmt: skip
def test_two_processes_deciding_one_request_at_once_send_one_decision(
    rq_app, smtp, workers, database_url, private_redis, storage_dir, verdicts, subjects
):
    handler, smtp_url = smtp
    team = _team()
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": private_redis.url,
        "SMTP_URL": smtp_url,
        "MAIL_FROM": "billing@baton.test",
        "STORAGE_DIR": storage_dir,
    }
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=decide_in_process,
            args=(config, team.agency_id, decider, team.request_id, verdict, barrier, out, lag),
        )
        for decider, verdict, lag in zip(
            (team.owner_id, team.va_id if verdicts[1] == "cancel" else team.manager_id),
            verdicts,
            (0.0, 0.2),
            strict=True,
        )
    ]
    for proc in procs:
        proc.start()
    outcomes = []
    try:
        for _ in procs:
            outcomes.append(out.get(timeout=120))
    except queue.Empty:
        pytest.fail(f"a process did not answer; got {outcomes}")
    finally:
        for proc in procs:
            proc.join(timeout=60)
    assert [proc.exitcode for proc in procs] == [0, 0]
    # Both read the request while it was pending; one decision won, the other was refused.
    assert [seen for _, seen, _ in outcomes] == ["pending", "pending"]
    assert sorted(result for _, _, result in outcomes) == ["decided", "time_off_not_pending"], (
        outcomes
    )
    winner = next(verdict for verdict, _, result in outcomes if result == "decided")
    assert (
        _state(team)
        == {"approve": "approved", "decline": "declined", "cancel": "cancelled"}[winner]
    )
    _drain(workers)
    # The person got exactly one email, and it tells the decision that stands (none when
    # their own cancellation stands).
    expected = [(team.va_email, subjects[winner])] if subjects[winner] else []
    assert _delivered(handler) == expected
    assert handler.attempts == len(expected)


# --- 2. a rolled-back decision sends nothing -----------------------------------------------


def _approve_and_raise_before_commit(rq_app, team: Team, monkeypatch) -> None:
    """Through the API: the approval (and its email) is flushed, then the view's commit
    raises; the request's session is rolled back when its context ends."""
    with tenant(team.agency_id):
        client = api(rq_app, db.session.get(Membership, team.owner_id))
    db.session.commit()  # the token

    def failing_commit() -> None:
        db.session.flush()
        assert len(_pending_emails()) == 1  # queued in this transaction
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("app.capacity.api.commit", failing_commit)
    with pytest.raises(RuntimeError, match="disk is full"):
        client.post(f"/time-off/{team.request_id}/approve")
    monkeypatch.undo()


def _approve_and_lose_the_connection_at_commit(rq_app, team: Team, monkeypatch) -> None:
    """The approval and its email are flushed; the database connection is then killed, so
    the commit itself fails."""
    with tenant(team.agency_id):
        approve_time_off(_actor(team.owner_id), db.session.get(TimeOff, team.request_id))
        db.session.flush()
        assert len(_pending_emails()) == 1
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa.exc.OperationalError):
            commit()
        db.session.rollback()
    db.session.remove()


def _pending_emails() -> list[OutboundEmail]:
    """The time-off emails this session sees (its own uncommitted ones included)."""
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail).where(OutboundEmail.idempotency_key.like("time_off:%"))
            )
        )


@pytest.mark.parametrize(
    "fail",
    [_approve_and_raise_before_commit, _approve_and_lose_the_connection_at_commit],
    ids=["raises-before-commit", "commit-fails"],
)
def test_a_rolled_back_decision_sends_nothing(rq_app, smtp, workers, monkeypatch, fail):
    handler, _ = smtp
    team = _team()
    fail(rq_app, team, monkeypatch)
    _drain(workers)
    assert handler.attempts == 0 and _delivered(handler) == []
    assert _time_off_emails() == []
    with all_tenants():
        mail_jobs = sa.select(OutboxJob).where(OutboxJob.func == "app.core.mail.send_email")
        assert db.session.scalars(mail_jobs).all() == []
    assert _state(team) == "pending"
    # The same approval done again and committed sends the one email: the silence above was
    # the rollback's, not a broken pipeline.
    _approve(team)
    _drain(workers)
    assert _delivered(handler) == [(team.va_email, APPROVED)]


# --- 3. workers killed in the middle of a time-off email -----------------------------------


def test_a_worker_killed_after_the_250_does_not_send_the_decision_again(rq_app, smtp, workers):
    """The server accepted the email (250) and is slow to answer QUIT; the worker dies
    waiting. A new worker, long after the dead one's beat expired, sends nothing more."""
    handler, _ = smtp
    handler.quit_delay = 30.0
    team = _team()
    _approve(team)
    first = workers.start("--queues", "email")
    assert handler.quit_started.wait(30), "the worker never reached QUIT"
    workers.kill(first)
    [row] = _time_off_emails()
    assert row.status == "sent" and row.smtp_reply.startswith("250")
    time.sleep(TEST_ALIVE_TTL + 0.5)
    assert clock_round()["recovered"] == 0
    workers.start("--queues", "email")  # a new worker, left running
    time.sleep(2)
    workers.burst("--queues", "email")
    assert handler.attempts == 1
    assert _delivered(handler) == [(team.va_email, APPROVED)]


def test_a_worker_killed_before_the_message_went_out_sends_the_decision_once(rq_app, smtp, workers):
    """Killed while the server was slow to accept the recipient: the body never left; after
    recovery a new worker delivers it, once."""
    handler, _ = smtp
    handler.rcpt_delay = 30.0
    team = _team()
    _approve(team)
    first = workers.start("--queues", "email")
    assert handler.rcpt_started.wait(30), "the worker never reached RCPT"
    workers.kill(first)
    [row] = _time_off_emails()
    assert row.status == "sending" and row.data_sent_at is None
    assert _delivered(handler) == []
    handler.rcpt_delay = 0
    wait_for(lambda: clock_round()["recovered"] == 1, timeout=TEST_ALIVE_TTL + 10)
    workers.burst("--queues", "email")
    [row] = _time_off_emails()
    assert row.status == "sent" and row.attempts == 2
    assert handler.attempts == 1
    assert _delivered(handler) == [(team.va_email, APPROVED)]


# --- 4. a request reaches every owner and manager once, in their language ------------------


def test_a_request_reaches_each_owner_and_manager_once_in_their_language(rq_app, smtp, workers):
    handler, _ = smtp
    handler.delay = 0.3  # slow enough that both workers take jobs
    agency = AgencyFactory(name="Juniper Desk")
    owner = MembershipFactory(agency=agency, role="owner")  # no locale: English
    manager_fr = MembershipFactory(agency=agency, role="manager")
    manager_ar = MembershipFactory(agency=agency, role="manager")
    suspended = MembershipFactory(agency=agency, role="manager", status="suspended")
    MembershipFactory(agency=agency, role="qa")
    MembershipFactory(agency=agency, role="va")
    va = MembershipFactory(agency=agency, role="va")
    elsewhere = MembershipFactory(agency=AgencyFactory(name="Lantern Ops"), role="manager")
    for member, locale in ((manager_fr, "fr"), (manager_ar, "ar"), (suspended, "fr")):
        speaks(member, locale)
    speaks(elsewhere, "fr")
    name = va.user.name
    expected = {
        owner.user.email.lower(): f"Time off request from {name}",
        manager_fr.user.email.lower(): f"Demande d’absence de {name}",
        manager_ar.user.email.lower(): f"طلب إجازة من {name}",
    }
    with tenant(agency.id):
        client = api(rq_app, va)
    db.session.commit()
    workers.start("--queues", "email")
    workers.start("--queues", "email")
    resp = client.post(
        "/time-off",
        json={"starts_on": FIRST.isoformat(), "ends_on": LAST.isoformat(), "kind": "vacation"},
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    wait_for(
        lambda: (rows := _time_off_emails()) and all(r.status == "sent" for r in rows),
        timeout=60,
    )
    time.sleep(1.5)  # a second copy would go out within this
    workers.burst("--queues", "email")
    delivered = _delivered(handler)
    assert Counter(to for to, _ in delivered) == Counter(list(expected)), delivered
    assert dict(delivered) == expected
    assert handler.attempts == 3
