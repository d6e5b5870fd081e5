"""Helpers of the requests-by-email tests: mails as a mail program writes them, sent with a
real LMTP or SMTP client, and what the database holds afterwards (read across tenants)."""

from __future__ import annotations

import contextlib
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from app.inbound.models import RequestFile, RequestMessage
from app.portal.models import WorkRequest

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<html><body><script>alert(1)</script></body></html>"


def mail(
    sender: str,
    to: str,
    subject: str = "Easter newsletter",
    text: str = "Please write the <Easter> newsletter & send it Friday.",
    *,
    files: tuple[tuple[str, bytes, str], ...] = (),
    in_reply_to: str | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Hana Harbour <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="harbour.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(text)
    for name, data, ctype in files:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def wire(msg: EmailMessage) -> bytes:
    """The message as it travels: CRLF line ends (smtplib sends bytes as they are)."""
    return msg.as_bytes(policy=policy.SMTP)


def send(port: int, msg: EmailMessage, rcpt: str | None = None, *, lmtp: bool = True) -> dict:
    """Deliver with a real client; returns the refused recipients (none: accepted). Refusals
    at MAIL, RCPT or DATA raise smtplib's exceptions."""
    client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
    try:
        return client.sendmail(msg["From"].addresses[0].addr_spec, [rcpt or msg["To"]], wire(msg))
    finally:
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            client.quit()


def rows(model, **where) -> list:
    db.session.expire_all()
    with all_tenants():
        stmt = sa.select(model).order_by(model.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return list(db.session.scalars(stmt))


def requests(agency_id: int) -> list[WorkRequest]:
    return rows(WorkRequest, agency_id=agency_id)


def messages(request_id: int) -> list[RequestMessage]:
    return rows(RequestMessage, work_request_id=request_id)


def files(request_id: int) -> list[RequestFile]:
    return rows(RequestFile, work_request_id=request_id)


def emails(prefix: str) -> list[OutboundEmail]:
    db.session.expire_all()
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like(f"{prefix}%"))
                .order_by(OutboundEmail.id)
            )
        )
