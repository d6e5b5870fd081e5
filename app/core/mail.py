"""Email: every message is an `outbound_email` row plus an outbox job, written in the
business transaction. A rolled-back change therefore sends nothing.

The row is the truth (status queued -> sending -> sent | failed, attempts, last error) and its
unique idempotency key means one message per key. The `email` queue's job sends it at most
once to success: a 4xx reply, a timeout or a refused connection is retried with backoff; a
5xx reply marks it failed at once and the owner sees it. SMTP_URL configures the server; with
none set, messages go to the log as readable text (the demo).

Exactly once, as far as SMTP allows. The row is marked `sent` in its own commit the moment
the server answers 250 to DATA, before QUIT (a worker killed while the server is slow to
answer QUIT has delivered the message; it must not send it again). Before the message body
goes out, the attempt records `data_sent_at` (fenced by the attempt number, so an attempt
that was given up for dead cannot send after another took over). A row found in `sending`
after a crash is then decided from what is known:

- no `data_sent_at`: the earlier attempt never sent the message; it is sent now;
- `data_sent_at` but no recorded answer: the server may or may not have kept the message
  (many keep one whose client vanished after the final dot). That cannot be known, so it
  is sent again with the same Message-ID (receivers and mail clients drop duplicates by
  it), and only once EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS (600 s) have passed since
  `data_sent_at`: RFC 5321 gives a server 10 minutes to answer the final dot, so by then
  the earlier conversation has ended one way or the other and the two can never overlap.
  The same holds when a live attempt loses the connection while waiting for that answer.

Every message is written in its recipient's language, whoever or whatever sends it (a page in
another language, a job with no request at all): `queue_email(locale=...)` is required and
renders the subject and both bodies under `flask_babel.force_locale`. A subject is given as a
lazy string (`lazy_gettext("Reset your Baton password")`, with its variables), so it is
translated there too; a plain `str` is taken as already written in the recipient's language
(an invoice subject built under the client's locale, a reminder text the agency wrote).
Values in the context that speak (a state, a role) are lazy strings or are formatted by the
templates' filters (`in_zone`, `day`, `role_label`), which follow the forced locale. The
templates get `lang` and `dir` for their root (`<html lang="ar" dir="rtl">`).

Whose language (`recipient_locale` picks the first one set):
- a staff member or a client contact: their profile's locale; a client contact without one:
  their client's;
- an invitation: see `app.users.team_services.invite_member`;
- sign-up and password reset: the account's locale, else the language of the request that
  asked (`app.users.services`);
- an invoice, its reminders: the invoice's (the client's) locale; the owners' notice after
  the last reminder: the owner's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, getaddresses
from urllib.parse import parse_qs, unquote, urlparse

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core import storage
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.i18n import language_of, speaking_locale, text_direction
from app.core.jobs import (
    PermanentFailure,
    RetryLater,
    current_job,
    enqueue_job,
    stage_current_job_success,
)
from app.core.notice_gate import NOTICE_GATES
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
    # The current (or last) attempt: when it began, when the message body started to go to
    # the server (null: it never did), and the server's answer to the body ("250 2.0.0 Ok").
    attempt_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    data_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    smtp_reply: Mapped[str | None] = mapped_column(sa.String(500))
    # A reply in a conversation (app.inbound): the Message-IDs it answers, so the
    # recipient's mail program (and our receiver, for their answer) threads it.
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(998))
    references: Mapped[str | None] = mapped_column(sa.Text)


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


def recipient_locale(*choices: str | None) -> str | None:
    """The first locale set among `choices`, e.g. `recipient_locale(user.locale,
    client.locale)`: a contact's own setting, else their client's (None: English)."""
    return next((choice for choice in choices if choice), None)


def queue_email(
    session: Session,
    *,
    key: str,
    to: str,
    locale: str | None,
    subject: str | LazyString,
    template: str,
    context: dict,
    agency_id: int | None = None,
    from_name: str | None = None,
    reply_to: str | None = None,
    attachments: list[Attachment] | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    notice: str | None = None,
) -> OutboundEmail | None:
    """Render `mail/<template>.txt` and `.html` and the subject in `locale`'s language (the
    recipient's, see the module) and queue the message in this transaction. A second call
    with the same key in a later transaction is refused by the unique key.

    A notification names its kind (`notice`): the recipient's preference then decides
    (app.notices): at once (the message is queued), held for their daily summary, or off;
    held or off, nothing is queued and None is returned."""
    language = language_of(locale)
    values = {"lang": language, "dir": text_direction(language), **context}
    channel = "now"
    if notice is not None and agency_id is not None and NOTICE_GATES:
        channel = NOTICE_GATES[0].channel(session, agency_id, to, notice)
        if channel == "off":
            return None
    with force_locale(speaking_locale(locale, language)):
        subject_text = str(subject)
        if channel == "daily":
            NOTICE_GATES[0].hold(
                session,
                agency_id=agency_id,
                to=to,
                kind=notice,
                key=key[:200],
                subject=_clean_header(subject_text),
                link=context.get("link"),
            )
            return None
        text_body = render_template(f"mail/{template}.txt", **values)
        html_body = render_template(f"mail/{template}.html", **values)
    row = OutboundEmail(
        agency_id=agency_id,
        idempotency_key=key[:200],
        to_addr=_clean_header(to),
        from_name=_clean_header(from_name) if from_name else None,
        reply_to=_clean_header(reply_to) if reply_to else None,
        subject=_clean_header(subject_text),
        text_body=text_body,
        html_body=html_body,
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
        in_reply_to=_clean_header(in_reply_to) if in_reply_to else None,
        references=_clean_header(references) if references else None,
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
    if row.in_reply_to:
        msg["In-Reply-To"] = row.in_reply_to
    if row.references:
        msg["References"] = row.references
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


_LINK = re.compile(r"""https?://[^\s<>"')\]]+""")
_HREF = re.compile(r"""href=["'](https?://[^"']+)["']""", re.IGNORECASE)


def readable(msg: EmailMessage) -> str:
    """The message as a person reads it: headers, the text body and its links, attachments
    (the raw MIME is base64 or quoted-printable, and its links can't be clicked)."""
    lines = [
        f"{name}: {msg[name]}"
        for name in ("From", "To", "Reply-To", "Subject", "Message-ID")
        if msg[name]
    ]
    files = [
        f"{part.get_filename()} ({part.get_content_type()}, "
        f"{len(part.get_payload(decode=True) or b'')} bytes)"
        for part in msg.iter_attachments()
    ]
    if files:
        lines.append("Attachments: " + "; ".join(files))
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    body = text.get_content() if text is not None else ""
    lines += ["", body.rstrip()]
    links: list[str] = []
    for found in _LINK.findall(body) + (_HREF.findall(html.get_content()) if html else []):
        found = found.rstrip(".,;:")
        if found not in links:
            links.append(found)
    if links:
        lines += ["", "Links:"] + [f"  {link}" for link in links]
    return "\n".join(lines)


def send_message(msg: EmailMessage, smtp_url: str | None) -> None:
    """Send through SMTP_URL (smtp://, smtp+starttls://, smtps://), or log when it is unset."""
    if not smtp_url:
        log.warning("email (no SMTP_URL set, so it is logged, not sent):\n%s", readable(msg))
        return
    deliver(msg, smtp_url)


class AttemptSuperseded(Exception):
    """Another attempt took the message over; this one must not send it."""


class AnswerUnknown(OSError):
    """The message body went to the server but no answer came back: it may have been kept."""


def _connect(smtp_url: str) -> smtplib.SMTP:
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
    try:
        if url.scheme == "smtp+starttls" or query.get("starttls", ["0"])[0] in {"1", "true"}:
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.ehlo_or_helo_if_needed()
    except BaseException:
        client.close()
        raise
    return client


def deliver(msg: EmailMessage, smtp_url: str, *, before_data=None, on_accepted=None) -> str:
    """Send `msg` over SMTP step by step and return the server's answer to the body.

    `before_data()` runs just before the DATA command (it may raise to stop without sending);
    `on_accepted(reply)` runs the moment the server answers 250, before QUIT, whose answer
    can take long to come and changes nothing: the message is delivered by then.
    """
    sender = getaddresses([msg["Sender"] or msg["From"]])[0][1]
    recipients = [addr for _, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
    international = any(not a.isascii() for a in [sender, *recipients])
    client = _connect(smtp_url)
    try:
        options = []
        if international:
            if not client.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError("the server does not accept UTF-8 addresses")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        code, resp = client.mail(sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, resp, sender)
        refused = {}
        for addr in recipients:
            code, resp = client.rcpt(addr)
            if code not in (250, 251):
                refused[addr] = (code, resp)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        if before_data is not None:
            before_data()
        # As smtplib.send_message flattens it: CRLF line ends (data() leaves bytes as they are).
        body = msg.as_bytes(policy=msg.policy.clone(utf8=international, linesep="\r\n"))
        try:
            code, resp = client.data(body)
        except smtplib.SMTPDataError:
            raise  # DATA itself refused: the body never went
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise AnswerUnknown(f"no answer after the message was sent: {exc}") from exc
        reply = f"{code} {resp.decode(errors='replace')}".strip()
        if code != 250:
            raise smtplib.SMTPDataError(code, resp)
        if on_accepted is not None:
            on_accepted(reply)
        return reply
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _smtp_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def unknown_outcome_delay() -> dt.timedelta:
    """How long after an unanswered message body it may be sent again (see the module)."""
    return dt.timedelta(
        seconds=float(current_app.config.get("EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS", 600))
    )


def _claim_body(email_id: int, attempt: int) -> None:
    """Record that the body is about to go; refuse if another attempt took the row over."""
    done = db.session.execute(
        sa.update(OutboundEmail)
        .where(
            OutboundEmail.id == email_id,
            OutboundEmail.status == "sending",
            OutboundEmail.attempts == attempt,
        )
        .values(data_sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if done.rowcount != 1:
        raise AttemptSuperseded(f"email {email_id}: attempt {attempt} was taken over")


def _record_sent(email_id: int, reply: str | None) -> None:
    """The server accepted the message: record it, and the job's success, in one commit."""
    db.session.execute(
        sa.update(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.status != "sent")
        .values(status="sent", sent_at=utcnow(), smtp_reply=reply, last_error=None)
        .execution_options(synchronize_session=False)
    )
    stage_current_job_success({"status": "sent"})
    db.session.commit()


def send_email(email_id: int, agency_id: int | None = None) -> dict:
    """The email job: send one queued message at most once to success (see the module)."""
    row = db.session.get(OutboundEmail, email_id, with_for_update=True, populate_existing=True)
    if row is None:
        return {"status": "missing"}
    if row.status in ("sent", "failed"):
        db.session.rollback()
        return {"status": row.status}
    now = utcnow()
    if row.status == "sending" and row.data_sent_at is not None:
        # An earlier attempt sent the body and stopped before recording the answer.
        resend_at = row.data_sent_at + unknown_outcome_delay()
        if now < resend_at:
            db.session.rollback()
            raise RetryLater(
                resend_at,
                "The last attempt's outcome is unknown (the server may have kept the message);"
                f" it is sent again with the same Message-ID at {resend_at:%Y-%m-%d %H:%M:%S} UTC.",
            )
        log.warning(
            "email %s: outcome of attempt %s unknown, sending it again", row.id, row.attempts
        )
    row.status = "sending"
    row.attempts += 1
    row.attempt_started_at = now
    row.data_sent_at = None
    attempt = row.attempts
    db.session.commit()
    msg = build_message(row, current_app.config["MAIL_FROM"])
    smtp_url = current_app.config["SMTP_URL"]
    try:
        if not smtp_url:
            send_message(msg, None)
            _record_sent(email_id, None)
            return {"status": "sent"}
        deliver(
            msg,
            smtp_url,
            before_data=lambda: _claim_body(email_id, attempt),
            on_accepted=lambda reply: _record_sent(email_id, reply[:500]),
        )
    except AttemptSuperseded:
        db.session.rollback()
        return {"status": "superseded"}
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        db.session.rollback()
        row = db.session.get(OutboundEmail, email_id, with_for_update=True, populate_existing=True)
        if row.status != "sending" or row.attempts != attempt:
            db.session.rollback()  # accepted after all, or another attempt took over
            return {"status": row.status}
        code = _smtp_code(exc)
        row.last_error = f"{code or ''} {type(exc).__name__}: {exc}".strip()[:2000]
        job = current_job()
        if isinstance(exc, AnswerUnknown) and not (job is not None and job.is_last_attempt):
            # The row stays 'sending' with data_sent_at: a later run decides, as above.
            resend_at = row.data_sent_at + unknown_outcome_delay()
            db.session.commit()
            raise RetryLater(resend_at, row.last_error, counts_as_attempt=True) from exc
        permanent = code is not None and 500 <= code < 600
        if permanent or (job is not None and job.is_last_attempt):
            row.status = "failed"
            db.session.commit()
            raise PermanentFailure(f"email to {row.to_addr} failed: {row.last_error}") from exc
        row.status = "queued"
        db.session.commit()
        raise
    return {"status": "sent"}
