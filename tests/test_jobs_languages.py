"""The jobs pages name a job, its queue and its progress in the reader's language, though
the job row keeps the English it was queued with (logs read it): an Arabic owner reads
Arabic, an English one the same English as before, and a label the page does not know is
shown as stored."""

from __future__ import annotations

from flask_babel import force_locale

from app.core.jobs import OutboxJob
from app.jobs.labels import job_title, progress_text, queue_label


def _job(func: str, label: str, **kwargs) -> OutboxJob:
    return OutboxJob(func=func, label=label, kwargs=kwargs, queue="default")


def test_jobs_read_in_arabic_and_english(app):
    export = _job("app.exports.jobs.build_clients_csv", "Export clients to CSV")
    batch = _job(
        "app.invoices.batch.issue_and_send_drafts",
        "Issue and send 2 drafts for November 2026",
        month="2026-11",
        invoice_ids=[1, 2],
    )
    email = _job("app.core.mail.send_email", "Email 'Invoice INV-1' to a@example.test")
    unknown = _job("app.somewhere.else", "Something else")
    with app.test_request_context(), force_locale("ar"):
        assert job_title(export) == "تصدير العملاء إلى CSV"
        assert job_title(batch).startswith("إصدار وإرسال") and "نوفمبر" in job_title(batch)
        assert job_title(email) == "بريد «Invoice INV-1» إلى a@example.test"
        assert job_title(unknown) == "Something else"
        assert queue_label("default") == "عامة"
        assert progress_text("3 of 10 clients") == "3 من أصل 10 عميل"
        assert progress_text("1 issued, 1 not issued") == "أُصدرت 1، ولم تُصدر 1"
    with app.test_request_context(), force_locale("en"):
        assert job_title(batch) == "Issue and send 2 drafts for November 2026"
        assert job_title(email) == "Email “Invoice INV-1” to a@example.test"
        assert progress_text("Starting") == "Starting"


def test_why_a_job_failed_is_said_in_the_readers_language_when_baton_wrote_it(app):
    from app.core.jobs.recovery import WORKER_LOST
    from app.jobs.labels import error_text

    crash = "ZeroDivisionError: division by zero"
    with app.test_request_context(), force_locale("ar"):
        assert error_text(WORKER_LOST) == "توقّف العامل الذي كان ينفّذ هذه المهمة، ونفدت محاولاتها."
        assert error_text(crash) == crash  # a program's words stay as they were written
        assert error_text(None) == ""
    with app.test_request_context(), force_locale("en"):
        assert error_text(WORKER_LOST) == WORKER_LOST
