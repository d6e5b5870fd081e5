"""The embedded default (no REDIS_URL): the same outbox jobs run in-process right after
commit, retries and periodic work come from the clock round, and owners see and re-run
failed jobs. These run inside the usual rolled-back test transaction."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.core.jobs import OutboxJob, enqueue_job
from app.core.mail import OutboundEmail, queue_email
from app.core.schedule import PERIODIC, clock_round, enqueue_due_periodic
from app.core.tenancy import all_tenants, tenant
from app.core.uow import commit
from app.extensions import db
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.helpers import login


@pytest.fixture
def smtp_config(app, smtp):
    handler, url = smtp
    old = app.config["SMTP_URL"], app.config["JOB_RETRY_BASE_SECONDS"]
    app.config.update(SMTP_URL=url, JOB_RETRY_BASE_SECONDS=0)
    yield handler
    app.config["SMTP_URL"], app.config["JOB_RETRY_BASE_SECONDS"] = old


def _queue(agency, key="k1"):
    with tenant(agency.id):
        row = queue_email(
            db.session, key=key, to="amal@cedar.test", locale=None, subject="Hello",
            template="notice",
            context={"heading": "Hi", "body": "Body"}, agency_id=agency.id, from_name=agency.name,
        )  # fmt: skip
        commit()
    return row


def _job(**where) -> OutboxJob:
    db.session.expire_all()
    with all_tenants():
        return db.session.scalars(sa.select(OutboxJob).filter_by(**where)).one()


def test_email_is_delivered_in_process_right_after_commit(smtp_config):
    agency = AgencyFactory()
    row = _queue(agency)
    db.session.refresh(row)
    assert row.status == "sent"
    assert len(smtp_config.messages) == 1
    assert _job(agency_id=agency.id).status == "succeeded"


def test_without_smtp_url_the_email_goes_to_the_log(caplog):
    agency = AgencyFactory(name="Log Agency")
    with caplog.at_level("WARNING", logger="baton.mail"):
        row = _queue(agency)
    db.session.refresh(row)
    assert row.status == "sent"
    assert "Subject: Hello" in caplog.text


def test_without_smtp_url_the_log_shows_readable_text_and_whole_links(caplog):
    """Non-ASCII text makes the MIME body base64 or quoted-printable, which breaks and
    encodes links: the log shows the headers, the text and the links as a person reads them."""
    agency = AgencyFactory(name="Agence Café")
    link = "http://127.0.0.1:5000/invitations/accept?token=Zm9v=YmFy&next=%2Fhome"
    body = "Bonjour Amélie — votre invitation à « Agence Café » vous attend. " * 3
    with caplog.at_level("WARNING", logger="baton.mail"), tenant(agency.id):
        queue_email(
            db.session, key="readable", to="amelie@cedar.test", locale="fr",
            subject="Invitation à Agence Café", template="notice",
            context={"heading": "Bienvenue", "body": body, "link": link},
            agency_id=agency.id, from_name=agency.name,
        )  # fmt: skip
        commit()
    text = caplog.text
    assert "Subject: Invitation à Agence Café" in text
    assert "To: amelie@cedar.test" in text
    assert "Bonjour Amélie — votre invitation à « Agence Café » vous attend." in text
    assert f"  {link}" in text  # whole, on a line of its own under "Links:"
    assert "Content-Transfer-Encoding" not in text and "=C3=A9" not in text


def test_in_process_retry_comes_from_the_clock_round(smtp_config):
    smtp_config.script = ["421 4.7.0 Busy"]
    agency = AgencyFactory()
    row = _queue(agency)
    db.session.refresh(row)
    assert row.status == "queued" and row.attempts == 1
    assert _job(agency_id=agency.id).status == "retrying"
    clock_round()
    db.session.refresh(row)
    assert row.status == "sent" and row.attempts == 2
    assert len(smtp_config.messages) == 1


def test_same_email_key_twice_is_refused_by_the_database():
    agency = AgencyFactory()
    _queue(agency, key="once")
    with pytest.raises(sa.exc.IntegrityError), tenant(agency.id):
        queue_email(
            db.session, key="once", to="x@y.test", locale=None, subject="Again", template="notice",
            context={"heading": "", "body": ""}, agency_id=agency.id,
        )  # fmt: skip
    db.session.rollback()
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 1


def test_a_job_that_runs_twice_does_its_work_once(smtp_config):
    from app.core.jobs import run_outbox_job

    agency = AgencyFactory()
    _queue(agency)
    job = _job(agency_id=agency.id)
    assert run_outbox_job(job.id) == "succeeded"  # already done: a no-op
    assert len(smtp_config.messages) == 1


def test_periodic_jobs_are_enqueued_once_per_slot_even_with_two_clocks():
    assert enqueue_due_periodic() == len(PERIODIC)
    assert enqueue_due_periodic() == 0
    with all_tenants():
        keys = db.session.scalars(
            sa.select(OutboxJob.dedupe_key).where(OutboxJob.dedupe_key.like("periodic:%"))
        ).all()
    assert len(keys) == len(set(keys)) == len(PERIODIC)


@pytest.mark.no_db
def test_two_clock_processes_at_the_same_moment_enqueue_a_slot_once(app, database_url):
    """Two real connections race on the unique periodic key; one insert wins."""
    from app import create_app

    other = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None, "TESTING": True,
         "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8192}
    )  # fmt: skip
    results: list[int] = []
    barrier = threading.Barrier(2)

    def tick() -> None:
        with other.app_context():
            barrier.wait()
            results.append(enqueue_due_periodic())
            db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        # Each slot is enqueued by exactly one of them (which one wins each key is a race).
        assert len(results) == 2 and sum(results) == len(PERIODIC)
        with other.app_context(), db.engine.connect() as conn:
            keys = conn.scalars(
                sa.text("SELECT dedupe_key FROM outbox_jobs WHERE dedupe_key LIKE 'periodic:%'")
            ).all()
        assert len(keys) == len(set(keys)) == len(PERIODIC)
    finally:
        with other.app_context():
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM outbox_jobs WHERE dedupe_key LIKE 'periodic:%'"))
            db.engine.dispose()


def test_owner_sees_failed_job_and_runs_it_again(client, smtp_config):
    smtp_config.script = ["550 5.1.1 Unknown user"]
    owner = MembershipFactory(role="owner")
    agency = owner.agency
    _queue(agency)
    job = _job(agency_id=agency.id)
    assert job.status == "failed"
    login(client, owner.user)
    page = client.get(f"/{agency.slug}/jobs/{job.id}")
    assert page.status_code == 200
    assert b"Unknown user" in page.data and b"Run again" in page.data
    # The address was fixed on the server side; running it again delivers it.
    with tenant(agency.id):
        email = db.session.scalars(sa.select(OutboundEmail)).one()
        email.status = "queued"
        db.session.commit()
    resp = client.post(f"/{agency.slug}/jobs/{job.id}/retry")
    assert resp.status_code == 302
    assert _job(id=job.id).status == "succeeded"
    assert len(smtp_config.messages) == 1


def test_jobs_pages_show_only_the_agencys_own_jobs_and_only_to_managers(client):
    owner = MembershipFactory(role="owner")
    va = MembershipFactory(agency=owner.agency, role="va")
    other = AgencyFactory()
    with tenant(other.id):
        other_job = enqueue_job(
            db.session,
            "app.core.housekeeping.purge_expired",
            label="Other's job",
            agency_id=other.id,
        )
        db.session.commit()
    login(client, owner.user)
    listing = client.get(f"/{owner.agency.slug}/jobs")
    assert listing.status_code == 200 and b"Other&#39;s job" not in listing.data
    assert client.get(f"/{owner.agency.slug}/jobs/{other_job.id}").status_code == 404
    client.post("/logout")
    login(client, va.user)
    assert client.get(f"/{owner.agency.slug}/jobs").status_code == 403


def test_export_shows_a_progress_bar_and_downloads_only_own_clients(client):
    owner = MembershipFactory(role="owner")
    for n in range(3):
        ClientFactory(agency=owner.agency, name=f"Mine {n}")
    ClientFactory(name="Someone else's")
    login(client, owner.user)
    resp = client.post(f"/{owner.agency.slug}/exports/clients")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    assert b'role="progressbar"' in page.data and b'aria-valuenow="100"' in page.data
    fragment = client.get(resp.headers["Location"] + "/progress")
    assert b"3 / 3" in fragment.data
    job = _job(agency_id=owner.agency.id)
    download = client.get(job.result["download"])
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    body = download.data.decode()
    assert body.count("Mine ") == 3 and "Someone else" not in body


def test_csv_export_neutralises_formulas(client):
    owner = MembershipFactory(role="owner")
    ClientFactory(agency=owner.agency, name='=HYPERLINK("http://evil.test")')
    login(client, owner.user)
    client.post(f"/{owner.agency.slug}/exports/clients")
    job = _job(agency_id=owner.agency.id)
    body = client.get(job.result["download"]).data.decode()
    assert "'=HYPERLINK" in body


def test_healthz_reports_database_and_in_process_mode(client):
    data = client.get("/healthz").get_json()
    assert data["checks"]["database"] == "ok"
    assert data["checks"]["redis"].startswith("not configured")
