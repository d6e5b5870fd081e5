"""Email: every message is an `outbound_email` row plus an outbox job, written in the
business transaction. A rolled-back change therefore sends nothing.

The row is the truth (status queued -> sending -> sent | failed, attempts, last error) and its
unique idempotency key means one message per key. The `email` queue's job sends it at most
once to success: a 4xx reply, a timeout or a refused connection is retried with backoff; a
5xx reply marks it failed at once and the owner sees it. SMTP_URL configures the server; with
none set, messages go to the log (the demo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import parse_qs, unquote, urlparse

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core import storage
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.jobs import PermanentFailure, current_job, enqueue_job
from app.extensions import db

log = logging.getLogger("baton.mail")

EMAIL_STATUSES = ("queued", "sending", "sent", "failed")


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    from_name: Mapped[str | None] = mapped_column(sa.String(120))
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # [{"filename", "content_type", "key", "sha256"}]: files in app.core.storage.
    attachments: Mapped[list | None] = mapped_column(sa.JSON)


@dataclass(frozen=True)
class Attachment:
    """A file to attach: already stored (`key`, `sha256`), e.g. an invoice PDF."""

    filename: str
    content_type: str
    key: str
    sha256: str


def _clean_header(value: str) -> str:
    """Header values never carry line breaks (header injection)."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def queue_email(
    session: Session,
    *,
    key: str,
    to: str,
    subject: str,
    template: str,
    context: dict,
    agency_id: int | None = None,
    from_name: str | None = None,
    reply_to: str | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboundEmail:
    """Render `mail/<template>.txt` and `.html` and queue the message in this transaction.
    A second call with the same key in a later transaction is refused by the unique key."""
    row = OutboundEmail(
        agency_id=agency_id,
        idempotency_key=key[:200],
        to_addr=_clean_header(to),
        from_name=_clean_header(from_name) if from_name else None,
        reply_to=_clean_header(reply_to) if reply_to else None,
        subject=_clean_header(subject),
        text_body=render_template(f"mail/{template}.txt", **context),
        html_body=render_template(f"mail/{template}.html", **context),
        attachments=[
            {
                "filename": _clean_header(a.filename),
                "content_type": a.content_type,
                "key": a.key,
                "sha256": a.sha256,
            }
            for a in attachments or ()
        ]
        or None,
    )
    session.add(row)
    session.flush()
    enqueue_job(
        session,
        "app.core.mail.send_email",
        label=f"Email '{row.subject[:80]}' to {row.to_addr}",
        queue="email",
        agency_id=agency_id,
        max_attempts=6,
        email_id=row.id,
    )
    return row


def message_id(row: OutboundEmail, mail_from: str) -> str:
    """Stable per message, so a receiver can drop a duplicate of a resent message."""
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:24]
    domain = Address(addr_spec=mail_from).domain or "baton.local"
    return f"<baton.{row.id}.{digest}@{domain}>"


def build_message(row: OutboundEmail, mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    addr = Address(addr_spec=mail_from)
    msg["From"] = formataddr((row.from_name, addr.addr_spec)) if row.from_name else mail_from
    msg["To"] = row.to_addr
    if row.reply_to:
        msg["Reply-To"] = row.reply_to
    msg["Subject"] = row.subject
    msg["Message-ID"] = message_id(row, mail_from)
    msg.set_content(row.text_body)
    if row.html_body:
        msg.add_alternative(row.html_body, subtype="html")
    for item in row.attachments or ():
        maintype, _, subtype = item["content_type"].partition("/")
        msg.add_attachment(
            storage.get(item["key"], item["sha256"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=item["filename"],
        )
    return msg


def send_message(msg: EmailMessage, smtp_url: str | None) -> None:
    """Send through SMTP_URL (smtp://, smtp+starttls://, smtps://), or log when it is unset."""
    if not smtp_url:
        log.warning("email (no SMTP_URL set, logged instead):\n%s", msg.as_string())
        return
    url = urlparse(smtp_url)
    query = parse_qs(url.query)
    timeout = float(query.get("timeout", ["15"])[0])
    host, port = url.hostname or "localhost", url.port
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port or 25, timeout=timeout)
    with client:
        if url.scheme == "smtp+starttls" or query.get("starttls", ["0"])[0] in {"1", "true"}:
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(msg)


def _smtp_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def send_email(email_id: int, agency_id: int | None = None) -> dict:
    """The email job: send one queued message at most once to success."""
    row = db.session.get(OutboundEmail, email_id, with_for_update=True, populate_existing=True)
    if row is None:
        return {"status": "missing"}
    if row.status in ("sent", "failed"):
        db.session.rollback()
        return {"status": row.status}
    row.status = "sending"
    row.attempts += 1
    db.session.commit()
    try:
        send_message(
            build_message(row, current_app.config["MAIL_FROM"]), current_app.config["SMTP_URL"]
        )
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        code = _smtp_code(exc)
        row.last_error = f"{code or ''} {type(exc).__name__}: {exc}".strip()[:2000]
        job = current_job()
        permanent = code is not None and 500 <= code < 600
        if permanent or (job is not None and job.is_last_attempt):
            row.status = "failed"
            db.session.commit()
            raise PermanentFailure(f"email to {row.to_addr} failed: {row.last_error}") from exc
        row.status = "queued"
        db.session.commit()
        raise
    row.status = "sent"
    row.sent_at = utcnow()
    row.last_error = None
    db.session.commit()
    return {"status": "sent"}
