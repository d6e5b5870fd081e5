"""'Issue and send all drafts for <month>': one background job with a progress bar.

An owner picks a month; the drafts of that month (invoices whose period label names the
month, or without a period label, created in that month in the agency's time zone) are
frozen into the job's arguments. The job issues each one through the core's
`issue_invoice` in its own transaction, so one refusal (a draft without lines, a client
without a currency...) does not sink the rest; issuing enqueues the invoice's PDF job, which
renders, stores and emails it. The job reports progress after every invoice and keeps a
summary (issued, skipped, failed with reasons) as its result. It is safe to run again:
invoices that are no longer drafts are skipped.

A batch is its outbox job row: `batch_id` in URLs is that row's id.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from werkzeug.exceptions import NotFound

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Client
from app.core.clock import now_in
from app.core.errors import DomainError, Forbidden, ValidationFailed
from app.core.formatting import month_label, normalise_digits
from app.core.i18n import current_locale
from app.core.jobs import OutboxJob, PermanentFailure, enqueue_job, report_progress
from app.core.permissions import Actor
from app.core.schemas import BaseSchema
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.core.uow import commit
from app.extensions import db
from app.invoices.batch_reasons import OWNER_GONE, UNEXPECTED, english, shown_error, shown_reason
from app.invoices.models import Invoice
from app.users.models import Membership, User

log = logging.getLogger("baton.invoices.batch")

BATCH_JOB = "app.invoices.batch.issue_and_send_drafts"
MONTH_PATTERN = r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$"
MAX_BATCH = 5000  # drafts per batch; the month-end of a large agency fits
PROGRESS_EVERY = 5  # invoices between progress commits (and always the last one)


class BatchIn(BaseSchema):
    """The month whose drafts to issue and send, as YYYY-MM."""

    month = fields.String(
        required=True,
        validate=validate.Regexp(MONTH_PATTERN, error="A month like 2026-11."),
        metadata={"example": "2026-11"},
    )


class BatchOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    month = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    total = fields.Integer(dump_only=True)
    done = fields.Integer(dump_only=True)
    percent = fields.Integer(dump_only=True)
    message = fields.String(dump_only=True, allow_none=True)
    issued = fields.Integer(dump_only=True)
    skipped = fields.Integer(dump_only=True)
    failed = fields.List(fields.Dict(), dump_only=True)
    job_url = fields.String(dump_only=True)


# --- policy (pure) ----------------------------------------------------------------------------


def can_run_batch(actor: Actor) -> bool:
    """Issuing a whole month at once is the owner's call."""
    return actor.role == "owner"


# --- months -----------------------------------------------------------------------------------


def month_bounds(month: str, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next one, in `zone`, as aware UTC."""
    year, mon = (int(p) for p in month.split("-"))
    tz = zoneinfo.ZoneInfo(zone or "UTC")
    start = dt.datetime(year, mon, 1, tzinfo=tz)
    nxt = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(dt.UTC), nxt.astimezone(dt.UTC)


def this_month_in(zone: str) -> str:
    """The current month ('2026-11') in `zone`."""
    now = now_in(zone)
    return f"{now.year:04d}-{now.month:02d}"


def previous_month(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def suggested_month(actor: Actor) -> str:
    """The month the batch page offers: this month when it has drafts (a run on the last
    days), else the month just ended when it has drafts (a run early next month), else
    this month."""
    current = this_month_in(actor.agency.time_zone)
    for month in (current, previous_month(current)):
        if draft_summary(actor, month)["drafts"]:
            return month
    return current


def drafts_of_month(month: str, zone: str) -> sa.Select:
    """Draft invoices of `month` (tenant-scoped): their period label names the month (in
    any of the drafts' languages), or they have none and were created in the month."""
    start, end = month_bounds(month, zone)
    locales = db.session.scalars(
        sa.select(Invoice.locale).where(Invoice.status == "draft").distinct()
    ).all()
    named = {month_label(month, "en"), *(month_label(month, loc or "en") for loc in locales)}
    # Labels written before periods took the locale's digits ('نوفمبر 2026' for ar_EG).
    labels = sorted(named | {normalise_digits(label) for label in named})
    return (
        sa.select(Invoice)
        .where(
            Invoice.kind == "invoice",
            Invoice.status == "draft",
            sa.or_(
                Invoice.period_label.in_(labels),
                sa.and_(
                    sa.or_(Invoice.period_label.is_(None), Invoice.period_label == ""),
                    Invoice.created_at >= start,
                    Invoice.created_at < end,
                ),
            ),
        )
        .order_by(Invoice.created_at, Invoice.id)
    )


def draft_summary(actor: Actor, month: str) -> dict[str, Any]:
    """How many drafts a batch for `month` would issue, and for how many clients."""
    stmt = drafts_of_month(month, actor.agency.time_zone).subquery()
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(stmt.c.client_id)))
    ).one()
    return {
        "month": month,
        "label": month_label(month, current_locale()),
        "drafts": row[0],
        "clients": row[1],
    }


# --- write side (a request) -------------------------------------------------------------------


def start_batch(actor: Actor, data: dict) -> OutboxJob:
    """Freeze the month's drafts into one batch job (runs after the caller's commit)."""
    if not can_run_batch(actor):
        raise Forbidden(_("Only owners can issue a month's invoices at once."))
    month = data["month"]
    ids = list(
        db.session.scalars(
            drafts_of_month(month, actor.agency.time_zone)
            .with_only_columns(Invoice.id)
            .limit(MAX_BATCH + 1)
        )
    )
    if not ids:
        raise ValidationFailed(
            {
                "month": [
                    _(
                        "There are no drafts for %(month)s.",
                        month=month_label(month, current_locale()),
                    )
                ]
            }
        )
    if len(ids) > MAX_BATCH:
        raise ValidationFailed(
            {"month": [_("More than %(num)d drafts: issue them in parts.", num=MAX_BATCH)]}
        )
    job = enqueue_job(
        db.session,
        BATCH_JOB,
        label=f"Issue and send {len(ids)} drafts for {month_label(month)}",
        agency_id=actor.agency_id,
        queue="default",
        max_attempts=5,  # each attempt resumes where the last one stopped
        month=month,
        invoice_ids=ids,
        membership_id=actor.membership.id,
    )
    db.session.flush()
    record(
        actor,
        "invoice.batch_started",
        job,
        summary=f"Batch: issue and send {len(ids)} drafts for {month_label(month)}",
        after={"month": month, "drafts": len(ids)},
    )
    return job


# --- the job ----------------------------------------------------------------------------------


def _job_actor(agency_id: int, membership_id: int) -> Actor:
    """The owner who started the batch, as the actor of every issue (audit trail)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.status != "active" or membership.role != "owner":
        raise PermanentFailure(OWNER_GONE)
    user = db.session.get(User, membership.user_id)
    agency = db.session.get(Agency, agency_id)
    return Actor(user=user, agency=agency, membership=membership, via="batch")


def issue_and_send_drafts(
    agency_id: int, month: str, invoice_ids: list[int], membership_id: int
) -> dict:
    """Issue each draft in its own transaction (its PDF and email jobs follow), reporting
    progress; refusals are collected, not raised. If the job is cut short (its queue's
    timeout, a worker lost), the retry resumes: invoices no longer drafts are skipped.
    The summary is read back from the invoices themselves, so it covers every attempt."""
    from app.invoices.services import issue_invoice

    actor = _job_actor(agency_id, membership_id)
    clients = sa.select(Invoice.client_id).where(Invoice.id.in_(invoice_ids))
    names = {
        row.id: row.name
        for row in db.session.execute(
            sa.select(Client.id, Client.name).where(Client.id.in_(clients))
        )
    }
    total = len(invoice_ids)
    issued_now = 0
    failed: list[dict[str, Any]] = []
    report_progress(0, total, f"Issuing {total} drafts")
    for n, invoice_id in enumerate(invoice_ids, start=1):
        try:
            invoice = db.session.get(
                Invoice, invoice_id, with_for_update=True, populate_existing=True
            )
            if invoice is None or invoice.status != "draft":
                db.session.rollback()  # issued by an earlier attempt (or deleted)
            else:
                issue_invoice(actor, invoice)
                commit()  # this invoice, its number and its PDF job: one transaction
                issued_now += 1
        except DomainError as exc:
            db.session.rollback()
            failed.append(_failure(invoice_id, names, exc.message))
        except Exception as exc:  # noqa: BLE001 - one bad invoice must not sink the batch
            db.session.rollback()
            if _is_timeout(exc):
                raise  # the queue's time is up: the retry resumes where this stopped
            log.exception("batch: issuing invoice %s failed", invoice_id)
            failed.append(
                _failure(invoice_id, names, english(UNEXPECTED, error=type(exc).__name__))
            )
        if n % PROGRESS_EVERY == 0 or n == total:
            report_progress(n, total, f"{n - len(failed)} issued, {len(failed)} not issued")
    return _summary(month, invoice_ids, names, failed, issued_now)


def _is_timeout(exc: BaseException) -> bool:
    """RQ's job timeout (raised inside the job by SimpleWorker's alarm)."""
    try:
        from rq.timeouts import JobTimeoutException
    except ImportError:  # pragma: no cover - rq is a dependency
        return False
    return isinstance(exc, JobTimeoutException)


def _summary(
    month: str, invoice_ids: list[int], names: dict[int, str], failed: list, issued_now: int
) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(Invoice.id, Invoice.number, Invoice.client_id, Invoice.status).where(
            Invoice.id.in_(invoice_ids)
        )
    ).all()
    issued = [
        {"invoice_id": r.id, "number": r.number, "client": names.get(r.client_id, "")}
        for r in sorted(rows, key=lambda r: (r.number or "", r.id))
        if r.status != "draft"
    ]
    return {
        "month": month,
        "total": len(invoice_ids),
        "issued": len(issued),
        "issued_this_run": issued_now,
        "skipped": len(invoice_ids) - len(rows),  # drafts deleted since the batch started
        "failed": failed,
        "issued_invoices": issued[:MAX_BATCH],
    }


def _failure(invoice_id: int, names: dict[int, str], reason: str) -> dict[str, Any]:
    client_id = db.session.scalar(sa.select(Invoice.client_id).where(Invoice.id == invoice_id))
    return {"invoice_id": invoice_id, "client": names.get(client_id, ""), "reason": reason[:300]}


# --- read side --------------------------------------------------------------------------------


def visible_batches(actor: Actor) -> sa.Select:
    stmt = sa.select(OutboxJob).where(OutboxJob.func == BATCH_JOB)
    if not can_run_batch(actor):
        return stmt.where(sa.false())
    return stmt.where(OutboxJob.agency_id == actor.agency_id)


def get_batch_or_404(actor: Actor, batch_id: int) -> OutboxJob:
    job = db.session.scalar(visible_batches(actor).where(OutboxJob.id == batch_id))
    if job is None:
        raise NotFound()
    return job


def recent_batches(actor: Actor, limit: int = 10) -> list[OutboxJob]:
    return list(
        db.session.scalars(visible_batches(actor).order_by(OutboxJob.id.desc()).limit(limit))
    )


_ISSUING = re.compile(r"Issuing (\d+) drafts")
_ISSUED = re.compile(r"(\d+) issued, (\d+) not issued")


def _progress(message: str | None) -> str:
    """The job's progress message (stored in English, see issue_and_send_drafts) in the
    reader's language."""
    if found := _ISSUING.fullmatch(message or ""):
        return ngettext("Issuing %(num)d draft", "Issuing %(num)d drafts", int(found[1]))
    if found := _ISSUED.fullmatch(message or ""):
        return _("%(issued)s issued, %(failed)s not issued", issued=found[1], failed=found[2])
    return message or ""


def batch_values(job: OutboxJob) -> dict[str, Any]:
    """A batch as plain values (page, fragment and API)."""
    result = job.result or {}
    kwargs = job.kwargs or {}
    return {
        "id": job.id,
        "month": kwargs.get("month", ""),
        "label": month_label(kwargs["month"], current_locale()) if kwargs.get("month") else "",
        "status": job.status,
        "total": job.progress_total or len(kwargs.get("invoice_ids") or []),
        "done": job.progress_done,
        "percent": job.percent,
        "message": _progress(job.progress_message),
        "issued": result.get("issued", 0),
        "skipped": result.get("skipped", 0),
        "failed": [
            {**f, "reason": shown_reason(f.get("reason"))} for f in result.get("failed", [])
        ],
        "issued_invoices": result.get("issued_invoices", []),
        "finished": job.status in ("succeeded", "failed"),
        "last_error": shown_error(job.last_error),
        "created_at": job.created_at,
    }
