"""'Issue and send all drafts for <month>': one job, one transaction per invoice, progress
reported, a summary kept; failures do not sink the rest; a re-run skips what is issued.
(Embedded default: the batch, the PDF jobs and the emails run in-process after commit.)"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.jobs import OutboxJob
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.documents.models import InvoiceDocument
from app.extensions import db
from app.invoices.batch import (
    BATCH_JOB,
    issue_and_send_drafts,
    month_bounds,
    month_label,
    previous_month,
)
from app.invoices.models import Invoice
from tests.factories import AgencyFactory, ClientFactory, ContactFactory, MembershipFactory
from tests.helpers import api_token, bearer
from tests.invoices.pdf_helpers import make_invoice
from tests.objects import signed_in_client

ZONE = "Europe/London"


def this_month() -> str:
    now = utcnow().astimezone(zoneinfo.ZoneInfo(ZONE))
    return f"{now.year:04d}-{now.month:02d}"


def months_ago(n: int) -> dt.datetime:
    return utcnow() - dt.timedelta(days=31 * n + 2)


@dataclass(frozen=True)
class Month:
    slug: str
    agency_id: int
    owner_user: int
    owner_membership: int
    manager_user: int
    good: tuple[int, int]
    empty: int
    labelled_old: int
    other_month: int


@pytest.fixture
def month_end():
    """Drafts of this month: two good ones, one without lines (can't be issued), one made
    months ago but labelled with this month; and a draft of another month."""
    agency = AgencyFactory(name="Juniper Desk", time_zone=ZONE)
    owner = MembershipFactory(agency=agency, role="owner")
    manager = MembershipFactory(agency=agency, role="manager")
    client = ClientFactory(agency=agency, name="Harbour & Co")
    ContactFactory(client=client, email="billing@harbour.test", is_billing=True)
    good = (make_invoice(client, status="draft"), make_invoice(client, status="draft"))
    empty = make_invoice(client, status="draft", lines=[])
    labelled = make_invoice(client, status="draft", period_label=month_label(this_month()))
    other = make_invoice(client, status="draft")
    with all_tenants():
        labelled.created_at = months_ago(4)
        other.created_at = months_ago(3)
        db.session.flush()
    db.session.commit()
    return Month(agency.slug, agency.id, owner.user_id, owner.id, manager.user_id,
                 (good[0].id, good[1].id), empty.id, labelled.id, other.id)  # fmt: skip


def _invoice(invoice_id: int) -> Invoice:
    db.session.expire_all()
    with all_tenants():
        return db.session.get(Invoice, invoice_id)


def _job(job_id: int) -> OutboxJob:
    db.session.expire_all()
    with all_tenants():
        return db.session.get(OutboxJob, job_id)


def _count(model, **where) -> int:
    with all_tenants():
        stmt = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return db.session.scalar(stmt)


def test_month_batch_issues_each_draft_and_reports_failures(app, month_end):
    m = month_end
    http = signed_in_client(app, m.owner_user)
    page = http.get(f"/{m.slug}/invoices/batch?month={this_month()}")
    assert page.status_code == 200
    assert b"<strong>4</strong> drafts" in page.data

    resp = http.post(f"/{m.slug}/invoices/batch", data={"month": this_month()})
    assert resp.status_code == 302
    batch_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    job = _job(batch_id)
    assert job.func == BATCH_JOB and job.queue == "default"
    assert job.status == "succeeded", job.last_error
    assert job.progress_done == job.progress_total == 4
    result = job.result
    assert result["issued"] == 3 and result["skipped"] == 0
    assert [f["invoice_id"] for f in result["failed"]] == [m.empty]
    assert "line" in result["failed"][0]["reason"]

    for invoice_id in (*m.good, m.labelled_old):
        invoice = _invoice(invoice_id)
        assert invoice.number and invoice.status == "sent"  # issued, PDF made, emailed
        assert _count(InvoiceDocument, invoice_id=invoice_id) == 1
    numbers = sorted(_invoice(i).number for i in (*m.good, m.labelled_old))
    assert len(set(numbers)) == 3
    assert _invoice(m.empty).status == "draft"
    assert _invoice(m.other_month).status == "draft"
    assert _count(OutboundEmail, agency_id=m.agency_id) == 3

    show = http.get(f"/{m.slug}/invoices/batches/{batch_id}")
    assert show.status_code == 200
    body = show.get_data(as_text=True)
    assert 'data-testid="batch-result"' in body and "<strong>3</strong> issued" in body
    assert "hx-get" not in body  # finished: the bar stops polling
    fragment = http.get(f"/{m.slug}/invoices/batches/{batch_id}/progress")
    assert fragment.status_code == 200 and b"100%" in fragment.data


def test_a_rerun_skips_issued_invoices_and_sends_nothing_twice(app, month_end):
    m = month_end
    ids = [*m.good, m.empty]
    with tenant(m.agency_id):
        first = issue_and_send_drafts(m.agency_id, this_month(), ids, m.owner_membership)
        emails = _count(OutboundEmail, agency_id=m.agency_id)
        again = issue_and_send_drafts(m.agency_id, this_month(), ids, m.owner_membership)
    assert first["issued"] == first["issued_this_run"] == 2 and len(first["failed"]) == 1
    # The summary comes from the invoices: the re-run reports both, having issued none.
    assert again["issued"] == 2 and again["issued_this_run"] == 0
    assert [f["invoice_id"] for f in again["failed"]] == [m.empty]
    assert _count(OutboundEmail, agency_id=m.agency_id) == emails == 2
    assert all(_count(InvoiceDocument, invoice_id=i) == 1 for i in m.good)


def test_a_month_without_drafts_is_refused_naming_the_month(app, month_end):
    m = month_end
    http = signed_in_client(app, m.owner_user)
    resp = http.post(f"/{m.slug}/invoices/batch", data={"month": "2019-01"})
    assert resp.status_code == 422 and b'data-field-error="month"' in resp.data
    resp = http.post(f"/{m.slug}/invoices/batch", data={"month": "November"})
    assert resp.status_code == 422 and b'data-field-error="month"' in resp.data
    assert _count(OutboxJob, func=BATCH_JOB) == 0


def test_only_owners_run_batches(app, month_end):
    m = month_end
    http = signed_in_client(app, m.manager_user)
    assert http.get(f"/{m.slug}/invoices/batch").status_code == 403
    assert http.post(f"/{m.slug}/invoices/batch", data={"month": this_month()}).status_code == 403
    assert _invoice(m.good[0]).status == "draft"


def test_api_starts_a_batch_and_reports_it(app, month_end):
    m = month_end
    with all_tenants():
        from app.users.models import Membership

        token = api_token(db.session.get(Membership, m.owner_membership))
    api = app.test_client()
    resp = api.post(
        f"/api/v1/{m.slug}/invoice-batches", json={"month": this_month()}, headers=bearer(token)
    )
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["total"] == 4 and body["month"] == this_month()
    status = api.get(f"/api/v1/{m.slug}/invoice-batches/{body['id']}", headers=bearer(token))
    assert status.status_code == 200
    assert status.get_json()["status"] == "succeeded" and status.get_json()["issued"] == 3
    bad = api.post(
        f"/api/v1/{m.slug}/invoice-batches", json={"month": "2026-13"}, headers=bearer(token)
    )
    assert bad.status_code == 422 and "month" in bad.get_json()["errors"]


def test_month_bounds_follow_the_agency_zone():
    start, end = month_bounds("2026-03", "Europe/London")
    assert start == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 31, 23, tzinfo=dt.UTC)  # BST began on 29 March
    start, end = month_bounds("2026-12", "Asia/Tokyo")
    assert start == dt.datetime(2026, 11, 30, 15, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 12, 31, 15, tzinfo=dt.UTC)


def test_previous_month_wraps_the_year():
    assert previous_month("2026-11") == "2026-10"
    assert previous_month("2026-01") == "2025-12"


def test_the_page_offers_the_month_that_has_drafts(app, month_end):
    m = month_end
    page = signed_in_client(app, m.owner_user).get(f"/{m.slug}/invoices/batch")
    assert f'value="{this_month()}"'.encode() in page.data


def test_a_batch_cut_short_by_its_timeout_resumes_on_retry(app, month_end, monkeypatch):
    from rq.timeouts import JobTimeoutException

    from app.invoices import services

    m = month_end
    real = services.issue_invoice
    calls = []

    def slow(actor, invoice, data=None):
        calls.append(invoice.id)
        if len(calls) == 2:
            raise JobTimeoutException("Task exceeded maximum timeout value (300 seconds)")
        return real(actor, invoice, data)

    monkeypatch.setattr(services, "issue_invoice", slow)
    ids = [*m.good, m.labelled_old]
    with tenant(m.agency_id), pytest.raises(JobTimeoutException):
        issue_and_send_drafts(m.agency_id, this_month(), ids, m.owner_membership)
    assert [_invoice(i).status for i in ids] == ["sent", "draft", "draft"]
    monkeypatch.setattr(services, "issue_invoice", real)
    with tenant(m.agency_id):
        result = issue_and_send_drafts(m.agency_id, this_month(), ids, m.owner_membership)
    assert result["issued"] == 3 and result["issued_this_run"] == 2 and result["failed"] == []
    assert all(_count(InvoiceDocument, invoice_id=i) == 1 for i in ids)


def test_why_drafts_were_not_issued_is_shown_in_the_readers_language(app, month_end, monkeypatch):
    from flask_babel import force_locale

    from app.invoices import services
    from app.invoices.batch_reasons import shown_error
    from app.users.models import User

    m = month_end
    real = services.issue_invoice

    def failing(actor, invoice, data=None):
        if invoice.id == m.good[0]:
            raise RuntimeError("database said no")
        return real(actor, invoice, data)

    monkeypatch.setattr(services, "issue_invoice", failing)
    http = signed_in_client(app, m.owner_user)
    resp = http.post(f"/{m.slug}/invoices/batch", data={"month": this_month()})
    batch_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    reasons = {f["invoice_id"]: f["reason"] for f in _job(batch_id).result["failed"]}
    # Stored as written, in English (the job has no reader).
    assert reasons == {
        m.good[0]: "Unexpected error: RuntimeError",
        m.empty: "Add at least one line before issuing.",
    }
    with all_tenants():
        db.session.get(User, m.owner_user).locale = "ar"
    db.session.commit()
    body = http.get(f"/{m.slug}/invoices/batches/{batch_id}").get_data(as_text=True)
    assert "خطأ غير متوقع: RuntimeError" in body
    assert "أضف بندًا واحدًا على الأقل قبل الإصدار." in body
    assert "Unexpected error" not in body and "Add at least one line" not in body

    stopped = (
        "app.core.jobs.runner.PermanentFailure: "
        "The owner who started this batch can no longer issue invoices."
    )
    with app.test_request_context(), force_locale("fr"):
        assert shown_error(stopped) == (
            "Le propriétaire qui a lancé ce lot ne peut plus émettre de factures."
        )
        assert shown_error("ValueError: something else") == "ValueError: something else"
