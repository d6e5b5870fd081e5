"""The `Idempotency-Key` header of the API writes that create money or messages: the same key
from the same token within 24 hours gets the first answer and writes nothing, another
request under the same key is a 422 naming the header, and a duplicate sent while the first
is still running (real concurrent connections) does not write twice."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

import psycopg
import pytest
import sqlalchemy as sa
import time_machine

from app.core.clock import utcnow
from app.core.housekeeping import purge_expired
from app.core.idempotency import HEADER, IdempotencyKey
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.users.models import Invitation
from tests.clients.support import api, count_rows, make_team, web
from tests.helpers import committed_app
from tests.invoices.support import fresh, issued
from tests.objects import openapi_doc

# The operations that create money or messages (and their drafts).
IDEMPOTENT_OPERATIONS = {
    ("post", "/api/v1/{agency_slug}/clients/{client_id}/series"),  # a series and its first item
    ("post", "/api/v1/{agency_slug}/invoices"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/issue"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/send"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/void"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/credit-notes"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/payments"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/refunds"),
    ("post", "/api/v1/{agency_slug}/invoices/{invoice_id}/reminders/send"),
    ("post", "/api/v1/{agency_slug}/clients/{client_id}/deposit-invoices"),
    ("post", "/api/v1/{agency_slug}/clients/{client_id}/work-items"),
    ("post", "/api/v1/{agency_slug}/work-items/{work_item_id}/comments"),
    ("post", "/api/v1/{agency_slug}/invitations"),
    ("post", "/api/v1/{agency_slug}/work-requests"),
    ("post", "/api/v1/{agency_slug}/work-requests/{request_id}/messages"),  # emailed, or told
}


@pytest.fixture
def paid_setup(app):
    team = make_team()
    with tenant(team.agency.id):
        actor = Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
        invoice = issued(actor, team.client, ("Work", 1, 10000))
        db.session.commit()
    return team, invoice.id


def _post(client, path: str, json=None, headers: dict | None = None):
    """POST through the API client with extra headers (the key)."""
    return client.client.post(client._url(path), json=json, headers=headers or client.headers)


def _payments(agency_id: int) -> int:
    return count_rows(Payment, agency_id)


def test_twenty_identical_payment_posts_with_one_key_make_one_payment(app, paid_setup):
    team, invoice_id = paid_setup
    owner_api = api(app, team.owner)
    answers = [
        _post(
            owner_api,
            f"/invoices/{invoice_id}/payments",
            json={"amount_minor": 2500},
            headers={**owner_api.headers, HEADER: "pay-7f3c"},
        )
        for _ in range(20)
    ]
    assert answers[0].status_code == 201, answers[0].json
    assert {(a.status_code, a.get_data()) for a in answers} == {(201, answers[0].get_data())}
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None] + ["true"] * 19
    assert _payments(team.agency.id) == 1
    assert fresh(Invoice, invoice_id).paid_minor == 2500
    # Without a key, a second identical request is a second payment, as before.
    _post(owner_api, f"/invoices/{invoice_id}/payments", json={"amount_minor": 2500})
    assert _payments(team.agency.id) == 2


def test_the_same_key_for_another_request_is_refused_naming_the_header(app, paid_setup):
    team, invoice_id = paid_setup
    owner_api = api(app, team.owner)
    headers = {**owner_api.headers, HEADER: "k-1"}
    first = _post(
        owner_api,
        f"/invoices/{invoice_id}/payments",
        json={"amount_minor": 100, "reference": "BACS 42"},
        headers=headers,
    )
    assert first.status_code == 201
    # The order of the JSON keys does not make it another request ...
    same = _post(
        owner_api,
        f"/invoices/{invoice_id}/payments",
        json={"reference": "BACS 42", "amount_minor": 100},
        headers=headers,
    )
    assert (same.status_code, same.get_data()) == (201, first.get_data())
    # ... another amount, or another operation, does.
    other = _post(
        owner_api,
        f"/invoices/{invoice_id}/payments",
        json={"amount_minor": 999, "reference": "BACS 42"},
        headers=headers,
    )
    assert other.status_code == 422, other.json
    assert HEADER in other.json["errors"]
    elsewhere = _post(
        owner_api, f"/invoices/{invoice_id}/refunds", json={"amount_minor": 100}, headers=headers
    )
    assert elsewhere.status_code == 422 and HEADER in elsewhere.json["errors"]
    assert _payments(team.agency.id) == 1


def test_keys_belong_to_one_token(app, paid_setup):
    team, invoice_id = paid_setup
    for member in (team.owner, team.manager):
        client = api(app, member)
        resp = _post(
            client,
            f"/invoices/{invoice_id}/payments",
            json={"amount_minor": 100},
            headers={**client.headers, HEADER: "shared"},
        )
        assert resp.status_code == 201
        assert "Idempotent-Replayed" not in resp.headers
    assert _payments(team.agency.id) == 2


def test_a_refused_request_does_not_use_up_its_key(app, paid_setup):
    team, invoice_id = paid_setup
    owner_api = api(app, team.owner)
    headers = {**owner_api.headers, HEADER: "retry-me"}
    too_much = _post(
        owner_api, f"/invoices/{invoice_id}/payments", json={"amount_minor": 10**7}, headers=headers
    )
    assert too_much.status_code == 422 and "amount_minor" in too_much.json["errors"]
    assert _payments(team.agency.id) == 0
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0
    # The request fixed with the same key runs (its body differs from nothing stored).
    fixed = _post(
        owner_api, f"/invoices/{invoice_id}/payments", json={"amount_minor": 100}, headers=headers
    )
    assert fixed.status_code == 201
    assert _payments(team.agency.id) == 1


def test_bad_keys_are_a_422_naming_the_header(app, paid_setup):
    team, invoice_id = paid_setup
    owner_api = api(app, team.owner)
    for key in ("x" * 256, "has space", "tab\tkey", "é"):
        resp = _post(
            owner_api,
            f"/invoices/{invoice_id}/payments",
            json={"amount_minor": 100},
            headers={**owner_api.headers, HEADER: key},
        )
        assert resp.status_code == 422, (key, resp.json)
        assert HEADER in resp.json["errors"]
    assert _payments(team.agency.id) == 0


def test_a_key_is_kept_24_hours_then_forgotten_by_housekeeping(app, paid_setup):
    team, invoice_id = paid_setup
    owner_api = api(app, team.owner)
    headers = {**owner_api.headers, HEADER: "daily"}
    start = utcnow()
    with time_machine.travel(start, tick=False):
        _post(
            owner_api,
            f"/invoices/{invoice_id}/payments",
            json={"amount_minor": 100},
            headers=headers,
        )
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        again = _post(
            owner_api,
            f"/invoices/{invoice_id}/payments",
            json={"amount_minor": 100},
            headers=headers,
        )
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert purge_expired()["deleted_idempotency_keys"] == 0
    assert _payments(team.agency.id) == 1
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        assert purge_expired()["deleted_idempotency_keys"] == 1
        later = _post(
            owner_api,
            f"/invoices/{invoice_id}/payments",
            json={"amount_minor": 100},
            headers=headers,
        )
        assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert _payments(team.agency.id) == 2


def test_an_invitation_post_repeated_with_its_key_sends_one_email(app):
    from app.core.mail import OutboundEmail

    team = make_team()
    owner_api = api(app, team.owner)
    body = {"email": "new.va@example.test", "role": "va"}
    answers = [
        _post(owner_api, "/invitations", json=body, headers={**owner_api.headers, HEADER: "inv-1"})
        for _ in range(3)
    ]
    assert {(a.status_code, a.get_data()) for a in answers} == {(201, answers[0].get_data())}
    assert count_rows(Invitation, team.agency.id) == 1
    with all_tenants():
        emails = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboundEmail)
            .where(OutboundEmail.to_addr == "new.va@example.test")
        )
    assert emails == 1


def test_the_header_is_documented_on_every_write_that_creates_money_or_messages():
    doc = openapi_doc()
    with_header = {
        (method, path)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict)
        and any(
            p.get("name") == HEADER and p.get("in") == "header" for p in op.get("parameters", [])
        )
    }
    assert with_header == IDEMPOTENT_OPERATIONS


# --- real concurrent connections ---------------------------------------------------------------


@pytest.fixture
def committed(app, database_url):
    """An app on the test database whose data is committed for real (each request gets its
    own connection); every table is emptied afterwards."""
    pool = {"pool_size": 6, "max_overflow": 0, "pool_timeout": 60}
    with committed_app(database_url, SQLALCHEMY_ENGINE_OPTIONS=pool) as real:
        yield real


def _libpq(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def _waiting_on_locks(conn: psycopg.Connection, dbname: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
        (dbname,),
    ).fetchone()[0]


@pytest.mark.no_db
def test_two_concurrent_posts_with_one_key_make_one_payment(committed, database_url):
    team = make_team()
    with tenant(team.agency.id):
        actor = Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
        invoice_id = issued(actor, team.client, ("Work", 1, 10000)).id
    owner_api = api(committed, team.owner)
    db.session.commit()
    agency_id = team.agency.id
    db.session.remove()

    answers: list = []

    def pay() -> None:
        answers.append(
            _post(
                owner_api,
                f"/invoices/{invoice_id}/payments",
                json={"amount_minor": 2500},
                headers={**owner_api.headers, HEADER: "same-click"},
            )
        )

    # Hold the invoice's row lock (as a slow payment would) so that both requests are in
    # flight together: one waits for the invoice, the other behind it.
    dbname = database_url.rsplit("/", 1)[1]
    with (
        psycopg.connect(_libpq(database_url)) as holder,
        psycopg.connect(_libpq(database_url), autocommit=True) as watcher,
    ):
        holder.execute("SELECT id FROM invoices WHERE id = %s FOR UPDATE", (invoice_id,))
        threads = [threading.Thread(target=pay) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while _waiting_on_locks(watcher, dbname) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks(watcher, dbname) == 2
        holder.rollback()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_data() == answers[1].get_data()
    with tenant(agency_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        assert db.session.get(Invoice, invoice_id).paid_minor == 2500


# --- HTML forms: one token per render ----------------------------------------------------------


def _form_token(page: str, action: str) -> str:
    """The one-time token of the form posting to `action` on a rendered page."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"(.*?)</form>', page, re.S)
    assert form, f"no form posting to {action}"
    token = re.search(r'name="form_token" value="([^"]+)"', form.group(1))
    assert token, f"the form posting to {action} carries no one-time token"
    return token.group(1)


def _twice(browser, page_url: str, action: str, data: dict) -> tuple:
    """Render the page once, then send its form twice (a double click, a re-sent POST)."""
    token = _form_token(browser.get(page_url).get_data(as_text=True), action)
    first = browser.post(action, data={**data, "form_token": token})
    second = browser.post(action, data={**data, "form_token": token})
    return first, second


def _already_done(first, second, browser) -> None:
    assert first.status_code in (302, 303), first.get_data(as_text=True)[:500]
    assert second.status_code == 303 and second.location == first.location
    shown = browser.get(second.location).get_data(as_text=True)
    assert "already done" in shown


def _jobs(agency_id: int) -> int:
    from app.core.jobs import OutboxJob

    with all_tenants():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxJob)
            .where(OutboxJob.agency_id == agency_id)
        )


def test_a_payment_form_sent_twice_records_one_payment(app, paid_setup):
    team, invoice_id = paid_setup
    browser = web(app, team.owner)
    slug = team.agency.slug
    first, second = _twice(
        browser,
        f"/{slug}/invoices/{invoice_id}",
        f"/{slug}/invoices/{invoice_id}/payments",
        {"amount": "25.00", "method": "bank_transfer"},
    )
    _already_done(first, second, browser)
    assert _payments(team.agency.id) == 1
    # A new render is a new form: a second payment on purpose is recorded.
    first, _ = _twice(
        browser,
        f"/{slug}/invoices/{invoice_id}",
        f"/{slug}/invoices/{invoice_id}/payments",
        {"amount": "5.00"},
    )
    assert first.status_code == 302 and _payments(team.agency.id) == 2


def test_a_form_with_errors_keeps_its_token_for_the_corrected_submit(app, paid_setup):
    team, invoice_id = paid_setup
    browser = web(app, team.owner)
    slug = team.agency.slug
    action = f"/{slug}/invoices/{invoice_id}/payments"
    token = _form_token(
        browser.get(f"/{slug}/invoices/{invoice_id}").get_data(as_text=True), action
    )
    refused = browser.post(action, data={"amount": "not money", "form_token": token})
    assert refused.status_code == 422
    fixed = browser.post(action, data={"amount": "10.00", "form_token": token})
    assert fixed.status_code == 302 and _payments(team.agency.id) == 1


def test_credit_note_refund_and_send_forms_sent_twice_act_once(app, paid_setup):
    team, invoice_id = paid_setup
    browser = web(app, team.owner)
    slug = team.agency.slug
    page = f"/{slug}/invoices/{invoice_id}"
    browser.post(f"/{slug}/invoices/{invoice_id}/payments", data={"amount": "100.00"})

    first, second = _twice(
        browser,
        page,
        f"/{slug}/invoices/{invoice_id}/credit-note",
        {"mode": "full", "reason": "Cancelled"},
    )
    _already_done(first, second, browser)
    with all_tenants():
        notes = db.session.scalar(
            sa.select(sa.func.count()).select_from(Invoice).where(Invoice.kind == "credit_note")
        )
    assert notes == 1

    first, second = _twice(
        browser, page, f"/{slug}/invoices/{invoice_id}/refunds", {"amount": "100.00"}
    )
    _already_done(first, second, browser)
    with all_tenants():
        refunds = db.session.scalar(
            sa.select(sa.func.count()).select_from(Payment).where(Payment.kind == "refund")
        )
    assert refunds == 1

    # Sending renders the PDF in a job, which then emails it: one job per send.
    token = _form_token(
        browser.get(page).get_data(as_text=True), f"/{slug}/invoices/{invoice_id}/send"
    )
    before = _jobs(team.agency.id)
    first = browser.post(f"/{slug}/invoices/{invoice_id}/send", data={"form_token": token})
    after_first = _jobs(team.agency.id)
    second = browser.post(f"/{slug}/invoices/{invoice_id}/send", data={"form_token": token})
    _already_done(first, second, browser)
    assert after_first > before and _jobs(team.agency.id) == after_first


def test_invite_and_work_request_forms_sent_twice_act_once(app):
    from app.portal.models import WorkRequest

    team = make_team()
    owner = web(app, team.owner)
    slug = team.agency.slug
    first, second = _twice(
        owner, f"/{slug}/team", f"/{slug}/team/invite", {"email": "once@example.test", "role": "qa"}
    )
    _already_done(first, second, owner)
    assert count_rows(Invitation, team.agency.id) == 1

    contact = web(app, team.contact)
    first, second = _twice(
        contact, f"/{slug}/portal", f"/{slug}/portal/requests", {"title": "Sort the inbox"}
    )
    _already_done(first, second, contact)
    assert count_rows(WorkRequest, team.agency.id) == 1


@pytest.mark.no_db
def test_one_payment_form_sent_twice_at_once_records_one_payment(committed, database_url):
    team = make_team()
    with tenant(team.agency.id):
        actor = Actor(user=team.owner.user, agency=team.agency, membership=team.owner)
        invoice_id = issued(actor, team.client, ("Work", 1, 10000)).id
        db.session.commit()
    agency_id, slug = team.agency.id, team.agency.slug
    browsers = [web(committed, team.owner) for _ in range(2)]
    db.session.remove()
    action = f"/{slug}/invoices/{invoice_id}/payments"
    page = browsers[0].get(f"/{slug}/invoices/{invoice_id}").get_data(as_text=True)
    token = _form_token(page, action)
    answers: list = []

    def submit(browser) -> None:
        answers.append(browser.post(action, data={"amount": "25.00", "form_token": token}))

    dbname = database_url.rsplit("/", 1)[1]
    with (
        psycopg.connect(_libpq(database_url)) as holder,
        psycopg.connect(_libpq(database_url), autocommit=True) as watcher,
    ):
        holder.execute("SELECT id FROM invoices WHERE id = %s FOR UPDATE", (invoice_id,))
        threads = [threading.Thread(target=submit, args=(b,)) for b in browsers]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while _waiting_on_locks(watcher, dbname) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks(watcher, dbname) == 2
        holder.rollback()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [302, 303]
    with tenant(agency_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_a_form_sent_twice_is_explained_in_the_readers_language(app, paid_setup):
    team, invoice_id = paid_setup
    with tenant(team.agency.id):
        team.owner.user.locale = "ar"
        db.session.commit()
    browser = web(app, team.owner)
    slug = team.agency.slug
    first, second = _twice(
        browser,
        f"/{slug}/invoices/{invoice_id}",
        f"/{slug}/invoices/{invoice_id}/payments",
        {"amount": "25.00", "method": "bank_transfer"},
    )
    assert second.status_code == 303
    shown = browser.get(second.location).get_data(as_text=True)
    assert "تمّ ذلك من قبل: أُرسل النموذج مرتين، ونُفّذ مرة واحدة فقط." in shown
    assert "already done" not in shown
    assert _payments(team.agency.id) == 1
