"""Email: every message is an `outbound_email` row written in the business transaction.

Rows are delivered after the transaction commits (in-process on the embedded default), so
a rolled-back change sends nothing, and the unique idempotency key means a message is
sent at most once. Delivery uses SMTP_URL, or the log when it is unset (the demo).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlparse

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import UTCDateTime, utcnow
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
) -> OutboundEmail:
    """Render `mail/<template>.txt` and `.html` and queue the message in this transaction."""
    text_body = render_template(f"mail/{template}.txt", **context)
    html_body = render_template(f"mail/{template}.html", **context)
    row = OutboundEmail(
        agency_id=agency_id,
        idempotency_key=key,
        to_addr=_clean_header(to),
        from_name=_clean_header(from_name) if from_name else None,
        reply_to=_clean_header(reply_to) if reply_to else None,
        subject=_clean_header(subject),
        text_body=text_body,
        html_body=html_body,
    )
    session.add(row)
    session.info.setdefault("baton_emails", []).append(row)
    return row


def build_message(row: OutboundEmail, mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    addr = Address(addr_spec=mail_from)
    msg["From"] = formataddr((row.from_name, addr.addr_spec)) if row.from_name else mail_from
    msg["To"] = row.to_addr
    if row.reply_to:
        msg["Reply-To"] = row.reply_to
    msg["Subject"] = row.subject
    msg["Message-ID"] = make_msgid(domain=addr.domain or "baton.local")
    msg.set_content(row.text_body)
    if row.html_body:
        msg.add_alternative(row.html_body, subtype="html")
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


def deliver(email_id: int) -> str:
    """Deliver one queued email at most once; returns its final status."""
    row = db.session.get(OutboundEmail, email_id, with_for_update=True)
    if row is None or row.status in ("sent", "failed"):
        db.session.rollback()
        return row.status if row else "missing"
    row.status = "sending"
    row.attempts += 1
    db.session.commit()
    try:
        send_message(
            build_message(row, current_app.config["MAIL_FROM"]), current_app.config["SMTP_URL"]
        )
    except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded on the row
        row.status = "queued"
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        log.exception("email %s failed", email_id)
        return row.status
    row.status = "sent"
    row.sent_at = utcnow()
    row.last_error = None
    db.session.commit()
    return row.status


@event.listens_for(Session, "after_commit")
def _collect_committed(session: Session) -> None:
    rows = session.info.pop("baton_emails", None)
    if rows:
        session.info.setdefault("baton_emails_committed", []).extend(r.id for r in rows)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("baton_emails", None)


def flush_committed_emails(session: Session) -> None:
    """Deliver emails whose transaction has committed (called after the request/job commits)."""
    ids = session.info.pop("baton_emails_committed", None)
    for email_id in ids or ():
        deliver(email_id)
