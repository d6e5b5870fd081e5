"""The payout statement PDF and its email: the job `render_statement` runs on the pdf
queue, renders with the shared renderer (`app.core.pdf.render_pdf`, the invoice's bundled
CSS, the agency's branding and fonts from `app.documents.rendering`), stores the bytes
(`agency/<a>/payout/<id>/<sha256 prefix>.pdf`) and, for a paid statement, queues one email to the
person in their language with the PDF attached (key `payout:<id>:paid`, unique in the
outbox: a second run sends nothing). Rendering is deterministic, so a re-run stores the
same file again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from app.agencies.models import Agency
from app.core import storage
from app.core.formatting import format_long_date, format_number
from app.core.i18n import language_of, speaking_locale
from app.core.mail import Attachment, OutboundEmail, queue_email
from app.core.money import format_money
from app.core.translation import gettext
from app.core.uow import commit
from app.documents.branding import brand_context, find_branding
from app.documents.rendering import document_context, render_document_html, render_document_pdf
from app.extensions import db
from app.payouts.presenting import (
    ADJUSTMENT_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    adjustment_rows,
    hours,
    line_rows,
)
from app.payouts.queries import statement_with_details

TEMPLATE = "payouts/pdf/statement.html"
PDF_TYPE = "application/pdf"


def email_key(statement_id: int) -> str:
    return f"payout:{statement_id}:paid"


def pdf_filename(statement: Any) -> str:
    start, currency = statement.period_start.isoformat(), statement.currency.lower()
    return f"payout-{start}-{currency}-{statement.id}.pdf"


def statement_context(statement: Any) -> dict[str, Any]:
    """Plain values of the statement for the PDF template, in the person's language."""
    user = statement.member.user
    locale = user.locale or "en"
    language = language_of(locale)
    agency = db.session.get(Agency, statement.agency_id)
    branding = find_branding()
    brand = brand_context(branding)

    def money(minor: int | None, currency: str | None = None) -> str:
        return (
            format_money(minor, currency or statement.currency, locale) if minor is not None else ""
        )

    def day(value: Any) -> str:
        return format_long_date(value, locale) if value else ""

    rows = []
    for r in line_rows(statement):
        what = str(KIND_LABELS[r.kind])
        qty = (
            format_number(r.items, locale)
            if r.kind == "fee"
            else format_number(r.hours, locale, pattern="#,##0.00")
        )
        rows.append(
            {
                "client": r.client,
                "sop": r.sop,
                "what": what,
                "carried": (
                    gettext(
                        "carried from %(start)s – %(end)s",
                        start=day(r.carried_from[0]),
                        end=day(r.carried_from[1]),
                    )
                    if r.carried_from
                    else ""
                ),  # fmt: skip
                "quantity": qty,
                "rate": money(r.rate_minor, r.currency) if r.rate_minor is not None else "",
                "amount": money(r.amount_minor),
            }
        )
    adjustments = [
        {
            "what": str(ADJUSTMENT_LABELS[a.kind]),
            "reason": a.reason,
            "amount": money(a.amount_minor),
        }
        for a in adjustment_rows(statement)
    ]
    return {
        "doc": document_context(language, locale, brand["font"]),
        "agency": {"name": agency.name if agency else ""},
        "brand": brand,
        "statement": {
            "id": statement.id,
            "state": statement.state,
            "person": user.name,
            "email": user.email,
            "currency": statement.currency,
            "start": day(statement.period_start),
            "end": day(statement.period_end - dt.timedelta(days=1)),
            "lines_total": money(statement.lines_minor),
            "adjustments_total": money(statement.adjustments_minor),
            "total": money(statement.total_minor),
            "unpriced_hours": format_number(
                hours(statement.unpriced_seconds), locale, pattern="#,##0.00"
            )
            if statement.unpriced_seconds
            else "",
            "paid_on": day(statement.paid_on),
            "paid_method": str(METHOD_LABELS.get(statement.paid_method or "", "")),
            "paid_reference": statement.paid_reference or "",
            "paid_amount": money(statement.paid_amount_minor),
        },
        "rows": rows,
        "adjustments": adjustments,
    }


def render_statement_html(context: dict[str, Any]) -> str:
    return render_document_html(TEMPLATE, context)


def render_statement_pdf(context: dict[str, Any]) -> bytes:
    return render_document_pdf(TEMPLATE, context)


def render_statement(agency_id: int, statement_id: int, email: bool = False) -> dict:
    """The job: render and store the PDF; for a paid statement with `email`, queue its
    email once. Safe to run any number of times (tenant set by the outbox runner)."""
    from app.payouts.models import PayoutStatement

    statement = db.session.get(
        PayoutStatement, statement_id, with_for_update=True, populate_existing=True
    )
    if statement is None:
        db.session.rollback()
        return {"status": "missing"}
    statement = statement_with_details(statement_id)
    context = statement_context(statement)
    data = render_statement_pdf(context)
    # One file per content: a PDF an email already points to is never overwritten.
    digest = hashlib.sha256(data).hexdigest()
    key = storage.make_key("agency", agency_id, "payout", statement.id, f"{digest[:32]}.pdf")
    stored = storage.put(key, data)
    statement.pdf_key, statement.pdf_sha256 = stored.key, stored.sha256
    result: dict[str, Any] = {"statement_id": statement_id, "sha256": stored.sha256, "emails": 0}
    if email and statement.state == "paid" and statement.member.user.email:
        result["emails"] = _email(agency_id, statement, context)
    commit()
    return result


def _email(agency_id: int, statement: Any, context: dict) -> int:
    key = email_key(statement.id)
    if db.session.scalar(sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)):
        return 0
    agency = db.session.get(Agency, agency_id)
    user = statement.member.user
    attachment = Attachment(filename=pdf_filename(statement), content_type=PDF_TYPE,
                            key=statement.pdf_key, sha256=statement.pdf_sha256)  # fmt: skip
    link = _link(agency.slug, statement.id)
    doc = context["doc"]
    with force_locale(speaking_locale(doc["locale"], doc["lang"])):
        subject = gettext("Your payout statement from %(agency)s: %(total)s paid",
                          agency=agency.name, total=context["statement"]["total"])  # fmt: skip
        heading = gettext("You have been paid")
        body = gettext(
            "%(total)s for %(start)s – %(end)s was paid on %(day)s. The statement is attached.",
            total=context["statement"]["total"],
            start=context["statement"]["start"],
            end=context["statement"]["end"],
            day=context["statement"]["paid_on"],
        )
    queue_email(
        db.session,
        key=key,
        to=user.email,
        locale=user.locale,
        subject=subject,
        template="notice",
        context={"agency_name": agency.name, "heading": heading, "body": body, "link": link},
        agency_id=agency_id,
        from_name=agency.name,
        reply_to=agency.reply_to_email,
        attachments=[attachment],
    )
    db.session.flush()
    return 1


def _link(slug: str, statement_id: int) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    path = adapter.build("payouts.statement", {"agency_slug": slug, "statement_id": statement_id})
    return current_app.config["BASE_URL"].rstrip("/") + path
